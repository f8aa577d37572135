-- dns_examples_spec.lua: the DNS example policies (dnsbl.lua, fcrdns.lua)
-- and their own tests, through the real core, with milter.dns answering
-- from each test's `dns` stubs (put in the registry under
-- "luamilter.stub.dns", as the in-policy test runner does).  milter.dns
-- comes from milter/core.so, opened as replay opens it: stubs only, no
-- network.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local mt = require "milter.test"
local registry = debug.getregistry()
local open_dns = assert(package.loadlib("lua/milter/core.so", "luaopen_milter_dns"))

-- fresh: load an example with a milter.dns of its own (its own query
-- count) and these stubs
local function fresh(name, stubs)
  registry["luamilter.dns"] = nil
  package.loaded["milter.dns"] = nil
  package.preload["milter.dns"] = open_dns
  registry["luamilter.stub.dns"] = stubs
  local path = "lua/examples/" .. name .. ".lua"
  return assert(loadfile(path))(path)
end

-- run_each: every test of the example, each with its own stubs
local function run_each(name)
  local results = {}
  for i, tc in ipairs(fresh(name).tests) do
    local P = fresh(name, tc.dns)
    local one = P:extend({ tests = { tc } })
    local r, failed = mt.run_tests(one)
    results[#results + 1] = { name = tc.name or ("test " .. i), ok = failed == 0,
      why = r[1] and r[1].why }
  end
  return results
end

describe("DNS example policies", function()
  for _, name in ipairs({ "dnsbl", "fcrdns" }) do
    it(name .. ": its own tests pass with their stubs", function()
      local results = run_each(name)
      assert.is_true(#results >= 5)
      for _, r in ipairs(results) do assert.is_true(r.ok, r.name .. ": " .. tostring(r.why)) end
    end)
  end

  it("dnsbl: without stubs nothing is refused and each list is logged", function()
    local P = fresh("dnsbl", nil)
    local t = mt.new(P)
    t:connect("c.example", "inet", "192.0.2.2", 25)
    t:envfrom("<a@example.com>")
    assert.are.equal("continue", (t:envrcpt("<b@example.org>")))
  end)

  it("dnsbl: a listed client is refused for every recipient, looked up once", function()
    local P = fresh("dnsbl", { ["2.2.0.192.zen.spamhaus.org/A"] = { "127.0.0.3" } })
    local t = mt.new(P)
    t:connect("c.example", "inet", "192.0.2.2", 25)
    t:envfrom("<a@example.com>")
    local v, actions = t:envrcpt("<b@example.org>")
    assert.are.equal("reject", v)
    assert.matches("blocked using zen.spamhaus.org$", actions[1].text)
    registry["luamilter.stub.dns"] = {}
    assert.are.equal("reject", (t:envrcpt("<c@example.org>")))
  end)

  it("fcrdns: tempfail_no_ptr tempfails a client without a name", function()
    local P = fresh("fcrdns", { ["7.2.0.192.in-addr.arpa/PTR"] = "nxdomain" })
    local t = mt.new(P:extend({ tempfail_no_ptr = true }))
    t:connect("[192.0.2.7]", "inet", "192.0.2.7", 25)
    t:envfrom("<a@example.com>")
    local v, actions = t:envrcpt("<b@example.org>")
    assert.are.equal("tempfail", v)
    assert.are.equal("450", actions[1].rcode)
    assert.are.equal("4.7.25", actions[1].xcode)
  end)
end)
