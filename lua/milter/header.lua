--- milter.header: header values, byte-safe.
--
--   local header = require "milter.header"
--   header.unfold("a\r\n\tb")                -> "a\tb"
--   header.decode("=?ISO-8859-1?Q?caf=E9?=") -> "caf\xe9", {{charset="ISO-8859-1", text="caf\xe9"}}
--   header.fold("X-Long", value, 78)          -> value folded with "\n\t" for addheader
--   header.get(list, "subject", 1)            -> the first Subject value of a {{name, value}} list
--
-- RFC 2047 words are decoded to their bytes; the charset is reported, not
-- converted (Lua strings are bytes).  Malformed encoded words are left as
-- they are.

local M = {}

--- unfold(value): line breaks followed by white space removed
function M.unfold(v)
  return (v:gsub("\r?\n([ \t])", "%1"))
end

-- b64: base64 decoding; nil on bad input
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64INV = {}
for i = 1, 64 do B64INV[B64:byte(i)] = i - 1 end

local function b64(s)
  s = s:gsub("[ \t\r\n]", "")
  if #s % 4 == 1 then return nil end
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    local c = s:byte(i)
    if c == 61 then break end                   -- '='
    local v = B64INV[c]
    if not v then return nil end
    bits = (bits << 6) | v
    n = n + 6
    if n >= 8 then
      n = n - 8
      out[#out + 1] = string.char((bits >> n) & 0xff)
    end
  end
  return table.concat(out)
end

-- qp: RFC 2047 Q decoding (underscore is a space)
local function qp(s)
  return (s:gsub("_", " "):gsub("=(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

--- decode(value) -> bytes, parts; parts lists {charset=, text=} for each
-- encoded word and {text=} for plain runs.  White space between two
-- adjacent encoded words is dropped, as RFC 2047 says.
function M.decode(v)
  local parts, out = {}, {}
  local pos, last_encoded = 1, false
  while true do
    local s, e, charset, enc, text = v:find("=%?([^?%s]+)%?([BbQq])%?([^?%s]*)%?=", pos)
    if not s then break end
    local between = v:sub(pos, s - 1)
    local decoded
    if enc == "B" or enc == "b" then decoded = b64(text) else decoded = qp(text) end
    if decoded == nil then
      decoded, charset = v:sub(s, e), nil
    end
    if not (last_encoded and between:match("^[ \t\r\n]*$")) and between ~= "" then
      out[#out + 1] = between
      parts[#parts + 1] = { text = between }
    end
    out[#out + 1] = decoded
    parts[#parts + 1] = { charset = charset and charset:gsub("%*.*$", ""), text = decoded }
    last_encoded = charset ~= nil
    pos = e + 1
  end
  local rest = v:sub(pos)
  if rest ~= "" then
    out[#out + 1] = rest
    parts[#parts + 1] = { text = rest }
  end
  return table.concat(out), parts
end

--- fold(name, value, width) -> value with "\n\t" inserted at white space so
-- that "Name: value" lines stay within width bytes where a word allows it.
function M.fold(name, value, width)
  width = width or 78
  local lines, line = {}, nil
  local used = #name + 2
  for word in value:gmatch("%S+") do
    if line == nil then
      line = word
    elseif used + #line + 1 + #word > width then
      lines[#lines + 1] = line
      line, used = word, 1
    else
      line = line .. " " .. word
    end
  end
  lines[#lines + 1] = line or ""
  return table.concat(lines, "\n\t")
end

--- get(headers, name, n) -> the n-th (default 1) value of name in a list
-- of {name, value} pairs, case-insensitively
function M.get(headers, name, n)
  n = n or 1
  local want = name:lower()
  for _, h in ipairs(headers) do
    if h[1]:lower() == want then
      n = n - 1
      if n == 0 then return h[2] end
    end
  end
  return nil
end

return M
