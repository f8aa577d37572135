-- tables_access_spec.lua: lua/examples/access.lua, on milter.tables,
-- through the real core, with the tables its class declares loaded by the
-- same C code the daemon uses (lua/milter/core.so, built by make: its
-- milter.tables over one set for the process, which tables_solo_declare
-- fills from a class's tables).
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local so = "lua/milter/core.so"
package.preload["milter.tables"] = assert(package.loadlib(so, "luaopen_milter_tables_solo"))
local declare = assert(package.loadlib(so, "tables_solo_declare"))

local mt = require "milter.test"

local dir = "lua/examples/"
local path = dir .. "access.lua"
local Policy = assert(loadfile(path))(path)
declare(Policy, dir)

describe("access.lua on milter.tables", function()
  it("its own tests pass", function()
    local results, failed = mt.run_tests(Policy)
    assert.is_true(#results >= 7)
    for _, r in ipairs(results) do assert.is_true(r.ok, r.name .. ": " .. tostring(r.why)) end
    assert.are.equal(0, failed)
  end)

  it("needs no io: the tables are read by C, not by the script", function()
    local src = assert(io.open(path)):read("a")
    assert.is_nil(src:find("io%.%a"))
    assert.is_nil(src:find("lua_allow = io", 1, true))
  end)

  it("IPv6 networks, IPv4-mapped clients, OK lines", function()
    local t = mt.new(Policy)
    assert.are.equal("reject", (t:connect("h", "inet6", "2001:db8:bad::7", 25)))
    t = mt.new(Policy)
    assert.are.equal("reject", (t:connect("h", "inet6", "::ffff:192.0.2.200", 25)))
    t = mt.new(Policy)
    assert.are.equal("continue", (t:connect("h", "inet6", "2001:db8:900d::1", 25)))
    t = mt.new(Policy)
    t:connect("h", "inet", "198.51.100.1", 25)
    assert.are.equal("continue", (t:envfrom("<friend@partner.example>")))
    assert.are.equal("continue", (t:envrcpt("<postmaster@anything.example>")))
    assert.are.equal("tempfail", (t:envrcpt("<closed@example.org>")))
  end)

  it("a result that is no access(5) action fails the callback", function()
    local tables = require "milter.tables"
    local P = Policy:extend()
    function P:envfrom(from)
      return self:decide("sender", "FILTER smtp:x", from)
    end
    local t = mt.new(P)
    t:connect("h", "inet", "198.51.100.1", 25)
    local verdict, _, errors = t:envfrom("<a@b.example>")
    assert.are.equal("tempfail", verdict)
    assert.matches("is not OK, DUNNO, REJECT, DEFER or a reply code", errors)
    assert.are.equal("REJECT", tables.access_client:lookup("2001:db8:bad::1"))
  end)
end)
