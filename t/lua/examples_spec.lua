-- examples_spec.lua: the example policies, through the real core
-- (access.lua, on milter.tables: tables_access_spec.lua; dnsbl.lua and
-- fcrdns.lua: dns_examples_spec.lua).
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local mt = require "milter.test"

local function load(name)
  local path = "lua/examples/" .. name .. ".lua"
  return assert(loadfile(path))(path)
end

describe("example policies", function()
  for _, name in ipairs({ "tagger", "sizelimit", "archiver", "footer" }) do
    it(name .. ": its own tests pass", function()
      local results, failed = mt.run_tests(load(name))
      assert.is_true(#results > 0)
      for _, r in ipairs(results) do assert.is_true(r.ok, r.name .. ": " .. tostring(r.why)) end
      assert.are.equal(0, failed)
    end)
  end

  it("sizelimit: decides without keeping the body, over chunk boundaries", function()
    local P = load("sizelimit")
    local t = mt.new(P)
    t:envfrom("<a@x>")
    t:envrcpt("<b@x>")
    assert.are.equal("continue", (t:body("--b\r\nContent-Type: application/octet-stream; na")))
    assert.are.equal("skip", (t:body('me="virus.scr"\r\n\r\nxx\r\n')))
    local v, actions = t:eom()
    assert.are.equal("reject", v)
    assert.matches("%*%.scr", actions[1].text)
    assert.is_true(#t:self().carry < 1000)
  end)

  it("sizelimit: a body over the limit", function()
    local P = load("sizelimit"):extend({ max_bytes = 100 })
    local r = mt.new(P):message("Subject: big\r\n\r\n" .. ("x"):rep(200) .. "\r\n",
      { rcpt = { "<b@x>" } })
    assert.are.equal("rejected", r.result)
  end)

  it("footer: 8-bit and CRLF bytes survive", function()
    local r = mt.new(load("footer")):message("Subject: x\r\n\r\n\xff\0line\r\nlast",
      { rcpt = { "<b@x>" } })
    assert.are.equal("\xff\0line\r\nlast\r\n\r\n-- \r\nScanned by luamilter.\r\n",
      r.actions[1].body)
  end)
end)
