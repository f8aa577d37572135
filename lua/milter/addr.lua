--- milter.addr: envelope and header addresses, byte-safe.
--
--   local addr = require "milter.addr"
--   addr.parse_addr("<John.Doe@Example.COM.>")  --> {"John.Doe", "example.com"}
--   addr.parse_addr("<>")                        --> {""}  (null sender)
--   addr.split("a@b")                            --> "a", "b"
--   addr.normalize("<A@EXAMPLE.com>")            --> "A@example.com"
--
-- Like pymilter's Milter.utils.parse_addr: angle brackets and source routes
-- (<@a,@b:user@dom>) are removed, a quoted local part keeps its quotes'
-- content, trailing dots of the domain go, the domain is lower-cased (ASCII
-- letters only: 8-bit bytes are kept as they are), the local part is never
-- changed.  Malformed input gives nil and a message, never an error.

local M = {}

-- strip: remove surrounding white space, brackets and a source route
local function strip(s)
  s = s:gsub("^[ \t]+", ""):gsub("[ \t]+$", "")
  local inner = s:match("^<(.*)>$")
  if inner then s = inner end
  local route_end = s:match("^@[^:]*:()")
  if route_end then s = s:sub(route_end) end
  return s
end

-- find_at: position of the @ that separates local part and domain,
-- outside a quoted local part
local function find_at(s)
  local i, quoted = 1, false
  while i <= #s do
    local c = s:sub(i, i)
    if c == "\\" and quoted then
      i = i + 1
    elseif c == '"' then
      quoted = not quoted
    elseif c == "@" and not quoted then
      return i
    end
    i = i + 1
  end
  return nil
end

-- unquote: the content of a quoted local part, escapes resolved
local function unquote(l)
  local q = l:match('^"(.*)"$')
  if not q then return l end
  return (q:gsub("\\(.)", "%1"))
end

--- parse_addr(s) -> {local} or {local, domain}; nil and a message if s is
-- not a string or holds a NUL byte.
function M.parse_addr(s)
  if type(s) ~= "string" then return nil, "address must be a string" end
  if s:find("\0", 1, true) then return nil, "address contains a NUL byte" end
  s = strip(s)
  if s == "" then return { "" } end
  local at = find_at(s)
  if not at then return { unquote(s) } end
  local lpart, domain = s:sub(1, at - 1), s:sub(at + 1)
  domain = domain:gsub("%.+$", ""):gsub("%u", string.lower)
  return { unquote(lpart), domain }
end

--- split(s) -> local part, domain (nil for a bare local part or <>)
function M.split(s)
  local t, err = M.parse_addr(s)
  if not t then return nil, err end
  return t[1], t[2]
end

--- normalize(s) -> "local@domain" with the domain lower-cased, "" for <>
function M.normalize(s)
  local t, err = M.parse_addr(s)
  if not t then return nil, err end
  if t[2] == nil then return t[1] end
  return t[1] .. "@" .. t[2]
end

--- domain_matches(domain, pattern): pattern "example.com" matches the
-- domain itself; ".example.com" matches its subdomains only.
function M.domain_matches(domain, pattern)
  if not domain or not pattern then return false end
  domain = domain:gsub("%u", string.lower)
  pattern = pattern:gsub("%u", string.lower)
  if pattern:sub(1, 1) == "." then
    return #domain > #pattern and domain:sub(-#pattern) == pattern
  end
  return domain == pattern
end

return M
