-- policy_state_spec.lua: mt.new(path) runs the policy as the daemon does, in
-- a Lua state of its own (sandbox, callback_timeout, memory_limit from the
-- config or mt.new's options), so a spec that passes cannot fail on the
-- wire for these reasons; and its transactions are replay's (default
-- macros, envelope from the headers).
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local mt = require "milter.test"

local written = {}

-- policy: a script file with this source; its path
local function policy(src)
  local base = os.tmpname()
  os.remove(base)
  local path = base .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write('local milter = require "milter"\nlocal P = milter.Base:extend()\n',
    src, "\nreturn P\n")
  f:close()
  written[#written + 1] = path
  return path
end

-- bounded: fn(), stopped (instead of hanging busted) if it spends more
-- than `seconds` of CPU in this state, which the policy must never run in;
-- the guard's firing is an assertion failure
local function bounded(seconds, fn)
  local start, fired = os.clock(), false
  debug.sethook(function()
    if os.clock() - start > seconds then
      fired = true
      error("spec guard", 2)
    end
  end, "", 10000)
  local ok, a, b, c = pcall(fn)
  debug.sethook()
  assert(not fired, "the policy ran in busted's own state for " .. seconds
    .. " s of CPU: callback_timeout did not stop it")
  if not ok then error(a, 0) end
  return a, b, c
end

local MSG = "From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

describe("mt.new(path): a real policy state", function()
  teardown(function()
    for _, p in ipairs(written) do os.remove(p) end
  end)

  it("has the sandbox: io.open without lua_allow fails in the callback", function()
    local t = mt.new(policy([[
function P:envfrom() local f = io.open("/etc/hostname") return milter.ACCEPT end]]))
    local v, _, err = t:envfrom("<a@example.com>")
    assert.are.equal("tempfail", v)
    assert.matches("lua_allow = io", err)
  end)

  it("has the sandbox at the top level too: mt.new fails as the daemon's start would", function()
    local path = policy([[local f = io.open("/etc/hostname")]])
    local ok, err = pcall(mt.new, path)
    assert.is_false(ok)
    assert.matches("lua_allow = io", err)
  end)

  it("takes lua_allow from the options or from a config file", function()
    local path = policy([[
function P:envfrom() return io.open("/dev/null") and milter.ACCEPT or milter.REJECT end]])
    assert.are.equal("accept", (mt.new(path, { lua_allow = "io" }):envfrom("<a@x>")))
    local conf = os.tmpname()
    written[#written + 1] = conf
    local f = assert(io.open(conf, "w"))
    f:write("lua_allow = io\n")
    f:close()
    assert.are.equal("accept", (mt.new(path, { config = conf }):envfrom("<a@x>")))
    assert.has_error(function() mt.new(path, { no_such_key = 1 }) end)
  end)

  it("ends a runaway callback with on_error after callback_timeout", function()
    local path = policy([[function P:envfrom() while true do end end]])
    local t = mt.new(path, { callback_timeout = 0.2 })
    local v, _, err = bounded(30, function() return t:envfrom("<a@x>") end)
    assert.are.equal("tempfail", v)
    assert.matches("envfrom ran over callback_timeout %(0.2 s%)", err)
    local r = bounded(30, function()
      return mt.new(path, { callback_timeout = "200ms", on_error = "reject" })
        :message(MSG)
    end)
    assert.are.equal("rejected", r.result)
    assert.matches("^554 5%.3%.0", r.reply)
  end)

  it("holds memory_limit", function()
    local t = mt.new(policy([[
function P:eom() local s = string.rep("x", 32 * 1024 * 1024) return milter.ACCEPT end]]),
      { memory_limit = "4M" })
    local r = t:message(MSG)
    assert.are.equal("tempfailed", r.result)
    assert.matches("memory_limit", t.errors[1])
  end)

  it("runs a transaction as replay does: default macros, envelope from the headers", function()
    local r = mt.new(policy([[
function P:envfrom(from)
  self.seen = table.concat({ from, self:getsymval("j") or "-",
    self:getsymval("{client_addr}") or "-", self:getsymval("i") or "-",
    self:getsymval("{mail_addr}") or "-" }, " ")
end
function P:envrcpt(to) self.rcpt = self:getsymval("{rcpt_addr}") end
function P:eom() self:addheader("X-Seen", self.seen .. " " .. self.rcpt) end]])):message(MSG)
    assert.are.equal("delivered", r.result)
    assert.are.same({ "<b@example.org>" }, r.rcpts)
    assert.are.equal("<a@example.com> localhost 127.0.0.1 REPLAY00001 a@example.com b@example.org",
      r.actions[1].value)
    assert.are.equal("<a@example.com>", r.from)
  end)

  it("keeps the caller's macros over the defaults", function()
    local t = mt.new(policy([[
function P:eom() self:addheader("X-J", self:getsymval("j")) end]]), { macros = { j = "mx.example" } })
    assert.are.equal("mx.example", t:message(MSG).actions[1].value)
  end)

  it("gives a module its stub: opts.dns reaches milter.dns in the policy's state", function()
    local listed = { ["2.2.0.192.zen.spamhaus.org/A"] = { "127.0.0.3" } }
    local t = mt.new("lua/examples/dnsbl.lua", { dns = listed })
    t:connect("c.example", "inet", "192.0.2.2", 25)
    t:envfrom("<a@example.com>")
    local v, actions = t:envrcpt("<b@example.org>")
    assert.are.equal("reject", v)
    assert.matches("zen.spamhaus.org", actions[1].text)
    local u = mt.new("lua/examples/dnsbl.lua")
    u:connect("c.example", "inet", "192.0.2.2", 25)
    u:envfrom("<a@example.com>")
    assert.are.equal("continue", (u:envrcpt("<b@example.org>")))
    assert.has_error(function() t.ctx:stub("nosuch", {}) end)
  end)

  it("has no policy object in the caller's state", function()
    assert.is_nil(mt.new(policy("")):self())
  end)
end)
