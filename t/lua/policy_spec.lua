-- policy_spec.lua: the milter module and the default policy, run through
-- luamilter's own core with milter.test (the same code as on the wire).
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local milter = require "milter"
local mt = require "milter.test"

describe("milter module", function()
  it("has libmilter's status values", function()
    assert.are.same({ 0, 1, 2, 3, 4, 7, 8, 10 }, {
      milter.CONTINUE, milter.REJECT, milter.DISCARD, milter.ACCEPT,
      milter.TEMPFAIL, milter.NOREPLY, milter.SKIP, milter.ALL_OPTS })
  end)

  it("has the negotiation flags, loaded on first use", function()
    assert.are.equal(0x01, milter.ADDHDRS)
    assert.are.equal(0x100, milter.SETSYMLIST)
    assert.are.equal(0x10, milter.P_NOBODY)
    assert.are.equal(0x80, milter.P_NR_HDR)
    assert.are.equal(0x400, milter.P_SKIP)
    assert.are.equal(6, milter.M_EOH)
    assert.is_nil(milter.NO_SUCH_FLAG)
  end)

  it("Base defines no callback, so nothing is asked of the MTA but connect, "
    .. "without a reply (for the log's client)", function()
    for _, cb in ipairs({ "connect", "hello", "envfrom", "envrcpt", "data",
      "header", "eoh", "body", "eom", "abort", "close", "unknown", "negotiate" }) do
      assert.is_nil(milter.Base[cb], cb)
    end
    local t = mt.new(milter.Base:extend())
    t:negotiate()
    for _, stage in ipairs({ "helo", "envfrom", "envrcpt", "data",
      "header", "eoh", "body", "unknown" }) do
      assert.is_false(t:requested(stage), stage)
    end
    assert.is_true(t:requested("connect"))
    local _, proto = t:negotiated()
    assert.are.equal(milter.P_NR_CONN, proto & milter.P_NR_CONN)
    assert.are.equal("noreply", t:connect("client.example", "inet", "192.0.2.1"))
  end)

  it("protocol_mask: the negotiated word is the offer with the class's mask "
    .. "cleared, and a class's own protocol_mask changes it", function()
    local Plain = milter.Base:extend()
    function Plain:envrcpt() end
    local Quiet = milter.Milter:extend({ header_leading_space = true })
    local Own = milter.Base:extend()
    function Own:body() end
    function Own:protocol_mask()
      return milter.Base.protocol_mask(self) & ~milter.P_NOBODY | milter.P_SKIP
    end
    for _, class in ipairs({ Plain, Quiet, Own, dofile("lua/default.lua") }) do
      for _, offer in ipairs({ 0x1fffff, 0x0007ff, 0x1000 }) do
        local t = mt.new(class)
        local v, _, proto = t:negotiate(0x1ff, offer)
        assert.are.equal("continue", v)
        assert.are.equal(offer & ~class:protocol_mask(), proto)
      end
    end
    -- what the mask clears and keeps
    local m = Plain:protocol_mask()
    assert.are.equal(0, m & (milter.P_NOBODY | milter.P_NR_CONN | milter.P_SKIP))
    assert.are_not.equal(0, m & milter.P_NORCPT)
    assert.are_not.equal(0, m & milter.P_NR_RCPT)
    assert.are.equal(0, Quiet:protocol_mask() & milter.P_HDR_LEADSPC)
    local t = mt.new(Own)
    t:negotiate()
    assert.is_false(t:requested("body"))    -- Own keeps NOBODY: no body
    local _, proto = t:negotiated()
    assert.are.equal(0, proto & milter.P_SKIP)
    -- on a connection object it answers for the class
    local tc = mt.new(Plain)
    assert.are.equal(m, tc:self():protocol_mask())
    -- a bad mask is a policy failure at negotiation, answered with on_error
    local Bad = milter.Base:extend()
    function Bad:connect() end
    function Bad:protocol_mask() return "all" end
    local tb = mt.new(Bad)
    local v2, _, err = tb:connect("client.example", "inet", "192.0.2.1")
    assert.are.equal("tempfail", v2)
    assert.matches("negotiate: protocol_mask%(%) must return an integer bit mask", err)
    assert.are.equal(err, tb.errors[1])
  end)

  it("extend makes subclasses that inherit through the chain", function()
    local A = milter.Base:extend({ x = 1 })
    local B = A:extend()
    function A:eom() return "accept" end
    assert.are.equal(1, B.x)
    local t = mt.new(B)
    assert.are.equal("accept", t:eom())
  end)
end)

describe("default policy (lua/default.lua)", function()
  local Default = dofile("lua/default.lua")

  it("is a milter.Milter subclass", function()
    assert.are.equal(milter.Milter, getmetatable(Default).__index)
  end)

  it("asks for every stage, all but eom without replies", function()
    local t = mt.new(Default)
    t:negotiate()
    for _, stage in ipairs({ "connect", "helo", "envfrom", "envrcpt", "data",
      "header", "eoh", "body", "unknown" }) do
      assert.is_true(t:requested(stage), stage)
    end
    local _, proto = t:negotiated()
    for _, bit in ipairs({ milter.P_NR_CONN, milter.P_NR_HELO, milter.P_NR_MAIL,
      milter.P_NR_RCPT, milter.P_NR_DATA, milter.P_NR_HDR, milter.P_NR_EOH,
      milter.P_NR_BODY, milter.P_NR_UNKN }) do
      assert.are_not.equal(0, proto & bit)
    end
  end)

  it("lets a whole message through untouched", function()
    local t = mt.new(Default)
    local r = t:message("From: a@example.com\r\nTo: b@example.org\r\n"
      .. "Subject: hi\r\n\r\nbody\0with NUL\r\n")
    assert.are.equal("delivered", r.result)
    assert.are.equal("continue", r.verdict)
    assert.are.same({}, r.actions)
    assert.are.same({ "<b@example.org>" }, r.rcpts)
    assert.are.same({}, t.errors)
    for _, h in ipairs(t.history) do
      assert.is_true(h.verdict == "noreply" or h.verdict == "continue",
        h.stage .. " " .. h.verdict)
    end
  end)

  it("runs every callback without error, 8-bit arguments included", function()
    local t = mt.new(Default)
    assert.are.equal("noreply", (t:connect("client.example", "inet6", "2001:db8::1", 25)))
    assert.are.equal("noreply", (t:helo("h\xe9lo")))
    assert.are.equal("noreply", (t:envfrom("<a@example.com>", "SIZE=1")))
    assert.are.equal("noreply", (t:envrcpt("<b@example.org>")))
    assert.are.equal("noreply", (t:data()))
    assert.are.equal("noreply", (t:header("Subject", "caf\xe9\n\tfolded")))
    assert.are.equal("noreply", (t:eoh()))
    assert.are.equal("noreply", (t:body("\0\1\2")))
    assert.are.equal("continue", (t:eom()))
    assert.are.equal("noreply", (t:unknown("XYZZY")))
    t:abort()
    t:close()
    assert.are.same({}, t.errors)
  end)
end)

describe("a policy through milter.test", function()
  local P = milter.Base:extend()
  function P:envrcpt(to)
    if to == "<spamtrap@example.com>" then
      self:setreply("550", "5.7.1", "No such user")
      return milter.REJECT
    end
  end
  function P:header(name, value)
    if name == "Subject" then self.subject = value end
  end
  function P:eom()
    self:addheader("X-Subject-Seen", self.subject or "")
    if self.subject == "boom" then error("deliberate") end
  end

  it("rejects one recipient with the policy's reply", function()
    local t = mt.new(P)
    local v, actions = t:envrcpt("<spamtrap@example.com>")
    assert.are.equal("reject", v)
    assert.are.same({ op = "setreply", rcode = "550", xcode = "5.7.1",
      text = "No such user" }, actions[1])
  end)

  it("takes reply text literally: a lone % reaches the client as written",
    function()
      local Q = milter.Base:extend()
      function Q:envrcpt(to)
        self:setreply("550", "5.1.1", to .. " is 100% unknown")
        return milter.REJECT
      end
      Q.tests = {
        { name = "percent", message = "Subject: x\r\n\r\nx\r\n",
          rcpt = { "<user%relay@host>" },
          expect = { result = "rejected",
            reply = "550 5.1.1 <user%relay@host> is 100% unknown" } },
      }
      local t = mt.new(Q)
      local v, actions, err = t:envrcpt("<user%relay@host>")
      assert.is_nil(err)
      assert.are.equal("reject", v)
      assert.are.same({ op = "setreply", rcode = "550", xcode = "5.1.1",
        text = "<user%relay@host> is 100% unknown" }, actions[1])
      local results, failed = mt.run_tests(Q)
      assert.are.equal(0, failed, results[1].why)
    end)

  it("runs in-policy tests given as a function returning the list", function()
    local calls = 0
    local Q = milter.Base:extend()
    function Q:eom() self:addheader("X-Q", "1") end
    Q.tests = function(class)
      calls = calls + 1
      assert(class == Q, "the function gets the class")
      return { { name = "built on demand", message = "Subject: x\r\n\r\nx\r\n",
        rcpt = { "<b@x>" }, expect = { actions = { { op = "addheader", name = "X-Q" } } } } }
    end
    local results, failed = mt.run_tests(Q)
    assert.are.equal(0, failed, results[1] and results[1].why)
    assert.are.equal(1, calls)
    assert.are.equal("built on demand", results[1].name)
    Q.tests = function() error("vectors broken") end
    results, failed = mt.run_tests(Q)
    assert.are.equal(1, failed)
    assert.matches("the tests function failed: .*vectors broken", results[1].why)
    Q.tests = function() return 42 end
    results, failed = mt.run_tests(Q)
    assert.are.equal(1, failed)
    assert.matches("tests must be a list of tables, or a function returning one; got number",
      results[1].why)
  end)

  it("records eom actions", function()
    local r = mt.new(P):message("Subject: hello\r\n\r\nx\r\n",
      { rcpt = { "<b@example.org>" } })
    assert.are.same({ op = "addheader", name = "X-Subject-Seen",
      value = "hello" }, r.actions[1])
  end)

  it("turns a script error into the on_error answer and logs it", function()
    local t = mt.new(P)
    local r = t:message("Subject: boom\r\n\r\nx\r\n", { rcpt = { "<b@x>" } })
    assert.are.equal("tempfailed", r.result)
    assert.are.equal("451 4.3.0 Temporary mail filter failure", r.reply)
    assert.matches("deliberate", t.errors[1])
    local t2 = mt.new(P, { on_error = "reject" })
    local r2 = t2:message("Subject: boom\r\n\r\nx\r\n", { rcpt = { "<b@x>" } })
    assert.are.equal("rejected", r2.result)
    assert.are.equal("554 5.3.0 Mail filter failure", r2.reply)
  end)

  it("answers a failure with on_error_reply, checked against on_error",
    function()
      local t = mt.new(P, { on_error_reply = "451 4.7.1 Policy down, 100% temporary" })
      local r = t:message("Subject: boom\r\n\r\nx\r\n", { rcpt = { "<b@x>" } })
      assert.are.equal("451 4.7.1 Policy down, 100% temporary", r.reply)
      local r2 = mt.new(P, { on_error = "reject", on_error_reply = "550 5.7.0 No" })
        :message("Subject: boom\r\n\r\nx\r\n", { rcpt = { "<b@x>" } })
      assert.are.equal("550 5.7.0 No", r2.reply)
      assert.has_error(function() mt.new(P, { on_error_reply = "554 5.3.0 x" }) end,
        "bad argument #3 to 'context' (on_error_reply: 554 is a 5xx reply, but "
        .. "on_error = tempfail answers with a 4xx one)")
      local Q = P:extend()
      Q.tests = { { name = "configured reply", message = "Subject: boom\r\n\r\nx\r\n",
        rcpt = { "<b@x>" }, on_error = "reject", on_error_reply = "554 5.7.0 Broken",
        expect = { result = "rejected", reply = "554 5.7.0 Broken" } } }
      local results, failed = mt.run_tests(Q)
      assert.are.equal(0, failed, results[1].why)
    end)

  it("raises for misuse exactly as the daemon does", function()
    local Q = milter.Base:extend()
    function Q:envfrom() self:addheader("X", "y") end
    local t = mt.new(Q)
    local v, _, err = t:envfrom("<a@x>")
    assert.are.equal("tempfail", v)
    assert.matches("addheader: not allowed in envfrom %(only in eom%)", err)
  end)
end)
