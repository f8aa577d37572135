-- default.lua: luamilter's default policy.
--
-- pymilter's Milter.Milter behaviour: log every callback with its
-- arguments, let all mail through.  Copy this file to start a policy of
-- your own: override a callback, return a verdict, call an action:
--
--   function Policy:envrcpt(to, ...)
--     if to:lower() == "<spamtrap@example.com>" then
--       self:setreply("550", "5.7.1", "No such user")
--       return milter.REJECT
--     end
--   end
--
-- (a callback you override is no longer noreply, so its verdict counts).

local milter = require "milter"

local Policy = milter.Milter:extend()

return Policy
