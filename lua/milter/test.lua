--- milter.test: test a policy without an MTA, through luamilter's own core.
--
-- A test context runs the policy with the daemon's C code (milter.core):
-- the same negotiation, stage rules, verdict mapping, action checks, error
-- handling and transaction driver as the daemon and `luamilter replay`,
-- with an MTA that records what the policy asks for.  Everything ends up
-- in plain Lua tables.
--
--   local mt = require "milter.test"
--   local t = mt.new("policy.lua", { macros = { j = "mx.example" } })
--   t:connect("client.example", "inet", "192.0.2.1")
--   assert(t:envrcpt("<spamtrap@example.com>") == "reject")
--   local r = t:message("Subject: hi\r\n\r\nbody\r\n",
--                       { from = "<a@example.com>", rcpt = { "<b@example.org>" } })
--   -- r.verdict, r.result, r.reply, r.actions (eom), t.history, t.errors
--
-- A script path runs in a policy state of its own (sandbox, callback_timeout,
-- memory_limit as on the wire); a class table runs in the caller's state.
-- In-policy tests: a class may carry `tests = { {name=..., message=...,
-- expect = {...}}, ... }`; mt.run_tests(class) runs them (luamilter -t and
-- SIGHUP run them on connections of their own).  See docs/lua-api.md.

-- the daemon runs this chunk with a table as the argument, to judge
-- in-policy tests with M.check; required, it loads milter.core
-- (lua/milter/core.so)
local core = ...
if type(core) ~= "table" then core = require "milter.core" end

local M = {}

local Context = {}
Context.__index = Context

-- libdir: the directory holding milter.lua, for a policy compiled from a
-- path (the library it builds on)
local function libdir()
  local path = package.searchpath("milter", package.path)
  return path and (path:match("^(.*)/[^/]*$") or ".") or nil
end

--- new(policy [, opts]) -> context.  policy: a class or a script path.
-- A path is compiled and run as the daemon runs it, in a Lua state of its
-- own: opts.on_error, callback_timeout, memory_limit, lua_allow, lua_path
-- (or any config key, values as in the config file; opts.config: a
-- config file read first).  A class runs in the caller's state, with
-- opts.on_error and opts.on_error_reply (the reply on_error sends, as the
-- config key: "451 4.3.0 Try later") only.  opts.macros: {name = value}
-- set before the first stage, kept over luamilter's default macros.
-- opts.NAME, for a module milter.NAME answering from stubs (dns): its
-- stub (plain data for a script path).
function M.new(policy, opts)
  opts = opts or {}
  local ctx
  local stubs = {}
  for name in pairs(core.stub_modules) do stubs[name] = opts[name] end
  if type(policy) == "table" then
    ctx = core.context(policy, opts.on_error, opts.on_error_reply)
  elseif type(policy) == "string" then
    local copts = {}
    for k, v in pairs(opts) do
      if k ~= "macros" and not core.stub_modules[k] then copts[k] = v end
    end
    ctx = core.open(policy, copts, libdir())
  else
    error("milter.test.new: expected a policy class or a script path, got "
      .. type(policy), 2)
  end
  local t = setmetatable({
    class = type(policy) == "table" and policy or nil,
    ctx = ctx,
    history = {},     -- { {stage=, verdict=, actions=, errors=, reply=}, ... }
    actions = {},     -- actions of the last stage
    errors = {},      -- policy errors logged, in order
  }, Context)
  for name, value in pairs(opts.macros or {}) do ctx:macro(name, value) end
  for name, value in pairs(stubs) do ctx:stub(name, value) end
  return t
end

-- absorb: the stages a call ran into the history; the last one's verdict
-- and actions are the context's
function Context:_absorb(stages)
  for _, s in ipairs(stages) do
    self.history[#self.history + 1] = s
    if s.errors then self.errors[#self.errors + 1] = s.errors end
  end
  local last = stages[#stages]
  if last then self.actions, self.verdict = last.actions, last.verdict end
end

--- self(): the policy object of this connection (nil for a script path:
-- it lives in the policy's own state)
function Context:self() return self.ctx:self() end

--- macro(name, value): a macro the policy can read with getsymval
function Context:macro(name, value) self.ctx:macro(name, value) end

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
    local v, a, e, reply, stages = self.ctx[stage](self.ctx, ...)
    self:_absorb(stages)
    return v, a, e, reply
  end
end
Context.hello = Context.helo

--- message(text | {file=path}, env) -> result table.
-- Runs a whole SMTP transaction as an MTA would, with the driver `luamilter
-- replay` uses: connect (unless already done), helo, envfrom, each envrcpt,
-- data, the headers, eoh, the body in 65535-byte chunks, eom; it stops where
-- an MTA would stop.  env fields: from, rcpt (list), client (IP), family,
-- port, hostname, helo, queue_id, macros.  Missing sender/recipients come
-- from Return-Path/From and To/Cc.  The result: { verdict, result
-- ("delivered", "quarantined", "rejected", "tempfailed", "discarded"),
-- reply, actions (of eom), rcpts (accepted), stages (of this message),
-- errors, notes, from }.
function Context:message(msg, env)
  local r = self.ctx:message(msg, env)
  self:_absorb(r.stages)
  return r
end

--- stages(list) -> result of the last stage, as message() returns it.
-- list: { {"connect", "host", "inet", "192.0.2.1"}, {"envrcpt", "<a@b>"},
-- ... }: each entry a stage name and its arguments.
function Context:stages(list)
  local r = self.ctx:stages(list)
  self:_absorb(r.stages)
  return r
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
-- message (text), file (path, relative to dir) or stages, from, rcpt,
-- client, family, port, hostname, helo, queue_id, macros, on_error,
-- on_error_reply, expect.  Each runs on a context of its own in the caller's state; the
-- daemon runs them on connections of their own (docs/lua-api.md).
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
  for i, tc in ipairs(tests) do
    local name = tc.name or ("test " .. i)
    local ok, res, why = pcall(function()
      local t = M.new(class)
      local r = t.ctx:test(tc, dir)
      t:close()
      return M.check(r, tc.expect or {}, r.errors)
    end)
    if not ok then why = tostring(res) res = nil end
    if not res then failed = failed + 1 end
    results[#results + 1] = { name = name, ok = res and true or false, why = why }
  end
  return results, failed
end

return M
