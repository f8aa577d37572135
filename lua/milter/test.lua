--- milter.test: test a policy without an MTA, through luamilter's own core.
--
-- A test context runs the policy with the daemon's C code (milter.core):
-- the same negotiation, stage rules, verdict mapping, action checks and
-- error handling as on the wire, with an MTA that records what the policy
-- asks for.  Everything ends up in plain Lua tables.
--
--   local mt = require "milter.test"
--   local t = mt.new("policy.lua", { macros = { j = "mx.example" } })
--   t:connect("client.example", "inet", "192.0.2.1")
--   assert(t:envrcpt("<spamtrap@example.com>") == "reject")
--   local r = t:message("Subject: hi\r\n\r\nbody\r\n",
--                       { from = "<a@example.com>", rcpt = { "<b@example.org>" } })
--   -- r.verdict, r.result, r.reply, r.actions (eom), t.history, t.errors
--
-- In-policy tests: a class may carry `tests = { {name=..., message=...,
-- expect = {...}}, ... }`; mt.run_tests(class) runs them (luamilter -t and
-- SIGHUP do).  See docs/lua-api.md.

-- the daemon runs this chunk with its own milter.core as the argument (for
-- in-policy tests, where the policy must not reach the module); required,
-- it loads milter.core (lua/milter/core.so)
local core = ...
if type(core) ~= "table" then core = require "milter.core" end

local M = {}

local Context = {}
Context.__index = Context

-- load_class: a class table, or the class a script file returns
local function load_class(policy)
  if type(policy) == "table" then return policy end
  if type(policy) ~= "string" then
    error("milter.test.new: expected a policy class or a script path, got "
      .. type(policy), 3)
  end
  local chunk, err = loadfile(policy)
  if not chunk then error(err, 3) end
  local class = chunk(policy)
  if type(class) ~= "table" then
    error(policy .. ": the script must return the policy class (a table), it returned "
      .. type(class), 3)
  end
  return class
end

--- new(policy [, opts]) -> context.  policy: a class or a script path.
-- opts.macros: {name = value} set before the first stage; opts.on_error:
-- "tempfail" (default), "reject", "continue" or "accept"; opts.on_error_reply:
-- the reply on_error sends, as the config key ("451 4.3.0 Try later").
function M.new(policy, opts)
  opts = opts or {}
  local class = load_class(policy)
  local t = setmetatable({
    class = class,
    ctx = core.context(class, opts.on_error, opts.on_error_reply),
    history = {},     -- { {stage=, verdict=, actions=, errors=}, ... }
    actions = {},     -- actions of the last stage
    errors = {},      -- policy errors logged, in order
  }, Context)
  for name, value in pairs(opts.macros or {}) do t.ctx:macro(name, value) end
  return t
end

-- record: remember one stage's outcome, return the verdict
function Context:_record(stage, verdict, actions, errors)
  self.actions = actions
  self.verdict = verdict
  self.history[#self.history + 1] = {
    stage = stage, verdict = verdict, actions = actions, errors = errors,
  }
  if errors then self.errors[#self.errors + 1] = errors end
  return verdict, actions, errors
end

--- self(): the policy object of this connection
function Context:self() return self.ctx:self() end

--- macro(name, value): a macro the policy can read with getsymval
function Context:macro(name, value) self.ctx:macro(name, value) end

--- advance(seconds): move the clock of this test run forward: milter.now()
-- and the expiry of the run's shared dictionaries follow it
function Context:advance(seconds)
  core.advance(seconds)
end

--- negotiate([actions, protocol]) -> verdict, actions, protocol
function Context:negotiate(actions, protocol)
  local v, a, p = self.ctx:negotiate(actions, protocol)
  self.negotiated_actions, self.negotiated_protocol = a, p
  return v, a, p
end

--- negotiated() -> actions, protocol in force (after the first stage)
function Context:negotiated() return self.ctx:negotiated() end

--- requested(stage) -> whether the policy asked the MTA for this stage
function Context:requested(stage)
  local _, proto = self.ctx:negotiated()
  local bits = { connect = 0x1, helo = 0x2, hello = 0x2, envfrom = 0x4,
    envrcpt = 0x8, body = 0x10, header = 0x20, eoh = 0x40,
    unknown = 0x100, data = 0x200 }
  local b = bits[stage]
  if not b then return true end
  return proto & b == 0
end

for _, stage in ipairs({ "connect", "helo", "envfrom", "envrcpt", "data",
  "header", "eoh", "body", "eom", "abort", "unknown", "close" }) do
  Context[stage] = function(self, ...)
    return self:_record(stage, self.ctx[stage](self.ctx, ...))
  end
end
Context.hello = Context.helo

-- split_addrs: addresses of an address-list header value, bracketed
local function split_addrs(value, out)
  for part in (value .. ","):gmatch("(.-),") do
    local a = part:match("<([^<>]*)>") or part:match("^%s*(%S+@%S+)%s*$")
    if a then out[#out + 1] = "<" .. a .. ">" end
  end
  return out
end

local decisive = { reject = true, tempfail = true, discard = true, accept = true }
local results = { reject = "rejected", tempfail = "tempfailed",
  discard = "discarded" }

-- reply_of: the setreply of a stage that goes with its verdict
local function reply_of(verdict, actions)
  local reply
  for _, a in ipairs(actions or {}) do
    if a.op == "setreply" and ((verdict == "tempfail" and a.rcode:sub(1, 1) == "4")
        or (verdict == "reject" and a.rcode:sub(1, 1) == "5")) then
      reply = a.rcode .. (a.xcode and (" " .. a.xcode) or "")
        .. (a.text and (" " .. a.text) or "")
    end
  end
  return reply
end

--- message(text | {file=path}, env) -> result table.
-- Runs a whole SMTP transaction as an MTA would: connect (unless already
-- done), helo, envfrom, each envrcpt, data, the headers, eoh, the body in
-- 65535-byte chunks, eom; it stops where an MTA would stop.  env fields:
-- from, rcpt (list), client (IP), family, port, hostname, helo, macros.
-- Missing sender/recipients come from Return-Path/From and To/Cc.
-- The result: { verdict, result ("delivered", "quarantined", "rejected",
-- "tempfailed", "discarded"), reply, actions (of eom), rcpts (accepted),
-- stages (history of this message) }.
function Context:message(msg, env)
  env = env or {}
  if type(msg) == "table" and msg.file then
    msg = core.read_file(msg.file)
  end
  if type(msg) ~= "string" then
    error("message: expected the message text or {file = path}", 2)
  end
  local parsed = assert(core.parse_message(msg))
  local first = #self.history + 1
  local out = { verdict = "continue", result = "delivered", actions = {},
    rcpts = {} }
  local function finish(stage_verdict, actions)
    out.verdict = stage_verdict
    out.result = results[stage_verdict] or "delivered"
    out.reply = out.reply or reply_of(stage_verdict, actions)
    out.stages = table.move(self.history, first, #self.history, 1, {})
    return out
  end
  for name, value in pairs(env.macros or {}) do self.ctx:macro(name, value) end
  local function hdr(name)
    for _, h in ipairs(parsed.headers) do
      if h[1]:lower() == name:lower() then return h[2] end
    end
  end
  local from = env.from
  if not from then
    local rp = hdr("Return-Path") or hdr("From")
    from = rp and split_addrs(rp, {})[1] or "<>"
  end
  local rcpts = env.rcpt
  if type(rcpts) == "string" then rcpts = { rcpts } end
  if not rcpts then
    rcpts = {}
    for _, h in ipairs(parsed.headers) do
      local n = h[1]:lower()
      if n == "to" or n == "cc" then split_addrs(h[2], rcpts) end
    end
  end
  local v, a
  if not self.connected then
    self.connected = true
    if self:requested("connect") then
      v, a = self:connect(env.hostname or "localhost", env.family or "inet",
        env.client, env.port)
      if decisive[v] then return finish(v, a) end
    end
    if self:requested("helo") then
      v, a = self:helo(env.helo or "localhost")
      if decisive[v] then return finish(v, a) end
    end
  end
  self.ctx:macro("i", env.queue_id or "TEST00001")
  if self:requested("envfrom") then
    v, a = self:envfrom(from)
    if decisive[v] then
      self:abort()
      return finish(v, a)
    end
  end
  local tempfails = 0
  for _, r in ipairs(rcpts) do
    self.ctx:macro("{rcpt_addr}", r:match("^<(.*)>$") or r)
    if self:requested("envrcpt") then
      v, a = self:envrcpt(r)
      if v == "discard" then self:abort() return finish(v, a) end
      if v == "tempfail" then tempfails = tempfails + 1
      elseif v ~= "reject" then out.rcpts[#out.rcpts + 1] = r end
    else
      out.rcpts[#out.rcpts + 1] = r
    end
  end
  if #out.rcpts == 0 then
    self:abort()
    return finish(tempfails > 0 and "tempfail" or "reject", a)
  end
  if self:requested("data") then
    v, a = self:data()
    if decisive[v] then self:abort() return finish(v, a) end
  end
  local _, proto = self.ctx:negotiated()
  if self:requested("header") then
    for _, h in ipairs(parsed.headers) do
      local value = h[2]
      if proto & 0x100000 == 0 then value = value:gsub("^ ", "") end
      v, a = self:header(h[1], value)
      if decisive[v] then self:abort() return finish(v, a) end
    end
  end
  if self:requested("eoh") then
    v, a = self:eoh()
    if decisive[v] then self:abort() return finish(v, a) end
  end
  if self:requested("body") then
    local body, pos = parsed.body, 1
    while pos <= #body do
      v, a = self:body(body:sub(pos, pos + 65534))
      pos = pos + 65535
      if v == "skip" then break end
      if decisive[v] then self:abort() return finish(v, a) end
    end
  end
  v, a = self:eom()
  out.actions = a
  local res = finish(v, a)
  if res.result == "delivered" then
    for _, x in ipairs(a) do
      if x.op == "quarantine" then res.result = "quarantined" end
    end
  end
  return res
end

--- stages(list) -> result of the last stage, as message() returns it.
-- list: { {"connect", "host", "inet", "192.0.2.1"}, {"envrcpt", "<a@b>"},
-- ... }: each entry a stage name and its arguments.
function Context:stages(list)
  local v, a = "continue", {}
  for i, step in ipairs(list) do
    local name = step[1]
    if name == "advance" then
      self:advance(step[2])
      goto next
    end
    if type(self[name]) ~= "function" or name == "message" then
      error("stages: entry " .. i .. " names no stage: " .. tostring(name), 2)
    end
    v, a = self[name](self, table.unpack(step, 2))
    ::next::
  end
  return { verdict = v, result = results[v] or "delivered", actions = a or {},
    reply = reply_of(v, a), rcpts = {} }
end

-- matches: whether action a has every field of the expected one
local function matches(a, want)
  for k, v in pairs(want) do
    if a[k] ~= v then return false end
  end
  return true
end

-- describe: an action table as text for failure messages
local function describe(a)
  local keys = {}
  for k in pairs(a) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = k .. "=" .. string.format("%q", tostring(a[k]))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

--- check(result, expect) -> true, or nil and what differs.
-- expect fields: verdict, result, reply (exact), actions (each listed action
-- must appear: its given fields equal), no_actions (true: none at eom),
-- rcpts (the accepted recipients, exact list), errors (true: the policy
-- must have logged an error; false: it must not).
function M.check(res, expect, errors)
  for _, k in ipairs({ "verdict", "result", "reply" }) do
    if expect[k] ~= nil and res[k] ~= expect[k] then
      local because = ""
      if errors ~= nil and errors[1] ~= nil then
        because = " (the policy failed: " .. errors[1]:match("^[^\n]*") .. ")"
      end
      return nil, string.format("%s is %q, expected %q%s", k, tostring(res[k]),
        tostring(expect[k]), because)
    end
  end
  for i, want in ipairs(expect.actions or {}) do
    local found = false
    for _, a in ipairs(res.actions or {}) do
      if matches(a, want) then found = true break end
    end
    if not found then
      local got = {}
      for _, a in ipairs(res.actions or {}) do got[#got + 1] = describe(a) end
      return nil, string.format("expected action %d %s not among [%s]", i,
        describe(want), table.concat(got, ", "))
    end
  end
  if expect.no_actions and #(res.actions or {}) > 0 then
    return nil, "expected no actions, got " .. #res.actions
  end
  if expect.rcpts then
    local a, b = table.concat(expect.rcpts, ","), table.concat(res.rcpts or {}, ",")
    if a ~= b then return nil, "rcpts are " .. b .. ", expected " .. a end
  end
  if expect.errors ~= nil then
    local had = errors ~= nil and #errors > 0
    if had ~= expect.errors then
      return nil, had and ("unexpected policy error: " .. errors[1])
        or "expected a policy error, none was logged"
    end
  end
  return true
end

--- run_tests(class [, dir]) -> results, failed.
-- Runs class.tests: a list, or a function returning one (called only here,
-- so that big vectors are built only where tests run); each test: name,
-- message (text) or file (path, relative to dir), from, rcpt, client,
-- family, helo, macros, on_error, on_error_reply, expect; or stages
-- (entries {stage, args...}, and {"advance", seconds}); or messages (a list
-- of such message tests, each on a new connection, and {advance =
-- seconds} entries between them).  Module stubs: a field named as the
-- module (redis = function(cmd, ...) ... end).  Each test starts with
-- fresh shared dictionaries.  The daemon passes no dir: its core.read_file
-- resolves test files against the script's directory and refuses any
-- outside it.
-- results: { {name=, ok=, why=}, ... }; failed: how many failed.
function M.run_tests(class, dir)
  local results, failed = {}, 0
  local tests = class.tests
  if tests == nil then return results, 0 end
  if type(tests) == "function" then
    local ok, list = pcall(tests, class)
    if not ok then
      return { { name = "tests", ok = false,
        why = "the tests function failed: " .. tostring(list) } }, 1
    end
    tests = list
  end
  if type(tests) ~= "table" then
    return { { name = "tests", ok = false, why = "tests must be a list of "
      .. "tables, or a function returning one; got " .. type(tests) } }, 1
  end
  -- one_message: a message test (tc: its vector) on a new connection
  local function one_message(tc)
    local t = M.new(class, { on_error = tc.on_error,
      on_error_reply = tc.on_error_reply, macros = tc.macros })
    local msg = tc.message
    if msg == nil and tc.file then
      local path = tc.file
      if dir and not path:find("^/") then path = dir .. "/" .. path end
      msg = { file = path }
    end
    if msg == nil then error("test has no message, file or stages") end
    local r = t:message(msg, tc)
    t:close()
    return M.check(r, tc.expect or {}, t.errors)
  end
  for i, tc in ipairs(tests) do
    local name = tc.name or ("test " .. i)
    core.fresh()
    core.stubs(tc)
    local ok, res, why = pcall(function()
      if tc.messages then
        for j, m in ipairs(tc.messages) do
          if m.advance then
            core.advance(m.advance)
          else
            local good, whynot = one_message(m)
            if not good then return nil, "message " .. j .. ": " .. whynot end
          end
        end
        return true
      end
      if tc.stages then
        local t = M.new(class, { on_error = tc.on_error,
          on_error_reply = tc.on_error_reply, macros = tc.macros })
        local r = t:stages(tc.stages)
        t:close()
        return M.check(r, tc.expect or {}, t.errors)
      end
      return one_message(tc)
    end)
    core.fresh()
    if not ok then why = tostring(res) res = nil end
    if not res then failed = failed + 1 end
    results[#results + 1] = { name = name, ok = res and true or false, why = why }
  end
  return results, failed
end

return M
