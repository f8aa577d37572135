-- echo-all.lua: records every callback's arguments and reports them at eom
-- as X-Echo-<stage> headers (bytes as received; NULs and 8-bit as \ddd).
local milter = require "milter"
local P = milter.Base:extend()

-- show: bytes with control and 8-bit bytes written as \ddd
local function show(s)
  return (tostring(s):gsub("[%z\1-\31\127-\255]", function(c)
    return string.format("\\%03d", c:byte())
  end))
end

function P:connect(host, family, addr)
  if type(addr) == "table" then
    self.connect_seen = host .. "|" .. family .. "|" .. addr.ip .. "|" .. math.type(addr.port)
  else
    self.connect_seen = host .. "|" .. family .. "|" .. tostring(addr)
  end
end
function P:hello(name) self.helo_seen = name end
function P:envfrom(from, ...) self.from_seen = table.concat({ from, ... }, "|") end
function P:envrcpt(to, ...)
  self.rcpt_seen = (self.rcpt_seen and self.rcpt_seen .. ";" or "")
    .. table.concat({ to, ... }, "|")
end
function P:data() self.data_seen = "yes" end
function P:header(name, value)
  self.headers = (self.headers or "") .. name .. "=" .. show(value) .. ";"
end
function P:eoh() self.eoh_seen = "yes" end
function P:body(chunk)
  self.body_seen = (self.body_seen or "") .. chunk
end
function P:unknown(cmd) self.unknown_seen = cmd end
function P:eom()
  self:addheader("X-Echo-Connect", self.connect_seen or "none")
  self:addheader("X-Echo-Helo", self.helo_seen or "none")
  self:addheader("X-Echo-From", self.from_seen or "none")
  self:addheader("X-Echo-Rcpt", self.rcpt_seen or "none")
  self:addheader("X-Echo-Data", self.data_seen or "none")
  self:addheader("X-Echo-Headers", self.headers or "none")
  self:addheader("X-Echo-Eoh", self.eoh_seen or "none")
  self:addheader("X-Echo-Body", #(self.body_seen or "") .. ":" .. show(self.body_seen or ""))
  self:addheader("X-Echo-Unknown", self.unknown_seen or "none")
  self:addheader("X-Echo-Macro-J", self:getsymval("j") or "nil")
  self:addheader("X-Echo-Macro-Daemon", self:getsymval("{daemon_name}") or "nil")
  self.rcpt_seen, self.headers, self.body_seen = nil, nil, nil
end
return P
