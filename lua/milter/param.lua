--- milter.param: ESMTP parameters (MAIL FROM / RCPT TO) as a table.
--
--   local param = require "milter.param"
--   function P:envfrom(from, ...)
--     local p = param.param2dict({...})   -- {SIZE = "1234", BODY = "8BITMIME", SMTPUTF8 = true}
--   end
--
-- Keys are upper-cased (ASCII), a keyword without "=" maps to true, values
-- are kept as bytes; xtext_decode undoes RFC 3461 xtext ("+2B" -> "+").

local M = {}

-- words: the parameters as a list, from a list or a space-separated string
local function words(params)
  if type(params) == "string" then
    local t = {}
    for w in params:gmatch("%S+") do t[#t + 1] = w end
    return t
  end
  return params or {}
end

--- param2dict(params) -> table; params is a list of strings or one string
function M.param2dict(params)
  local out = {}
  for _, p in ipairs(words(params)) do
    if type(p) == "string" and p ~= "" then
      local k, v = p:match("^([^=]*)=(.*)$")
      if k then
        out[k:gsub("%l", string.upper)] = v
      else
        out[p:gsub("%l", string.upper)] = true
      end
    end
  end
  return out
end

--- xtext_decode(s) -> s with "+HH" sequences turned into their bytes
function M.xtext_decode(s)
  return (s:gsub("%+(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

return M
