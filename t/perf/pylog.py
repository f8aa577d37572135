# pylog.py - case (e) of make bench: pymilter's Milter.Milter logging milter.
import sys
import Milter

class LoggingMilter(Milter.Milter):
    pass

def main():
    Milter.factory = LoggingMilter
    Milter.runmilter("pylog", sys.argv[1], 600)

if __name__ == "__main__":
    main()
