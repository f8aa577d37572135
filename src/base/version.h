/* version.h - the luamilter release number */
#ifndef LUAMILTER_VERSION_H
#define LUAMILTER_VERSION_H
#define LUAMILTER_VERSION "0.1.0"
#endif
