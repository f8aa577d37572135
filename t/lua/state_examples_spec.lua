-- state_examples_spec.lua: greylist.lua and ratelimit.lua (issue 11)
-- through milter.test with a script path: each context has shared
-- dictionaries of its own (opts.shared_dict), fresh, on a clock t:advance
-- moves; Redis only through a stub function (called here, in the spec's
-- state) unless asked for; milter.now() follows the clock.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "lua/?.so;" .. package.cpath

local mt = require "milter.test"

local GREY = "lua/examples/greylist.lua"
local RATE = "lua/examples/ratelimit.lua"

-- rcpt: a new triplet's RCPT TO verdict on context t
local function rcpt(t, ip, to)
  t:connect("mx.example.net", ip:find(":", 1, true) and "inet6" or "inet", ip)
  t:envfrom("<a@example.com>")
  return (t:envrcpt(to or "<b@example.org>"))
end

describe("greylist.lua through milter.test", function()
  it("greylists, then passes once t:advance has moved past the delay", function()
    local t = mt.new(GREY, { shared_dict = { greylist = "1M" } })
    assert.are.equal("tempfail", rcpt(t, "192.0.2.1"))
    assert.are.equal("tempfail", (t:envrcpt("<b@example.org>")))
    t:advance(301)
    assert.are.equal("continue", (t:envrcpt("<b@example.org>")))
    assert.are.equal("tempfail", (t:envrcpt("<c@example.org>")))
  end)

  it("gives each context fresh dictionaries", function()
    local a = mt.new(GREY, { shared_dict = { greylist = "1M" } })
    assert.are.equal("tempfail", rcpt(a, "192.0.2.2"))
    a:advance(301)
    assert.are.equal("continue", (a:envrcpt("<b@example.org>")))
    local b = mt.new(GREY, { shared_dict = { greylist = "1M" } })
    assert.are.equal("tempfail", rcpt(b, "192.0.2.2"))
  end)

  it("runs its own tests with their messages and advance steps", function()
    local t = mt.new(GREY, { shared_dict = { greylist = "1M" } })
    assert.is_truthy(t)               -- its tests ran when it was compiled
  end)

  it("asks a redis stub function, called in the spec's state", function()
    local calls = {}
    local t = mt.new(GREY, { shared_dict = { greylist = "1M" },
      redis = function(cmd, script, nkeys, key, now)
        calls[#calls + 1] = { cmd = cmd, key = key, now = tonumber(now) }
        return 0
      end })
    assert.are.equal("tempfail", rcpt(t, "192.0.2.3"))
    assert.are.equal(1, #calls)
    assert.are.equal("EVAL", calls[1].cmd)
    assert.are.equal("gl:192.0.2.0/24\0<a@example.com>\0<b@example.org>", calls[1].key)
    t:advance(1000)
    t:envrcpt("<b@example.org>")
    assert.is_true(calls[2].now - calls[1].now >= 1000, "milter.now() follows t:advance")
  end)

  it("never reaches Redis without a stub: redis.configured() is false", function()
    local t = mt.new(GREY, { shared_dict = { greylist = "1M" },
      redis_timeout = 0.25 })
    assert.are.equal("tempfail", rcpt(t, "192.0.2.4"))
  end)

  it("fails open when the stub fails, and logs why", function()
    local t = mt.new(GREY, { shared_dict = { greylist = "1M" },
      redis = function() return nil, "connection to 10.0.0.5:6379 refused" end })
    assert.are.equal("continue", rcpt(t, "192.0.2.5"))
  end)
end)

describe("ratelimit.lua through milter.test", function()
  it("counts a client's messages in its window, and forgets them after it", function()
    local t = mt.new(RATE, { shared_dict = { ratelimit = "1M" } })
    local msg = "Subject: x\r\n\r\nbody\r\n"
    local env = { client = "192.0.2.9", from = "<a@example.com>", rcpt = { "<b@example.org>" } }
    for _ = 1, 30 do assert.are.equal("delivered", t:message(msg, env).result) end
    local r = t:message(msg, env)
    assert.are.equal("tempfailed", r.result)
    assert.are.equal("451 4.7.1 Too many messages, please slow down and try again later", r.reply)
    t:advance(61)
    assert.are.equal("delivered", t:message(msg, env).result)
  end)
end)
