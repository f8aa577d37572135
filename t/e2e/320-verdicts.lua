-- reject, tempfail, discard and accept returned at each stage reach the MTA.
-- policy: policies/verdicts.lua
local lib = dofile(srcdir .. "/lib.lua")
local replies = { reject = SMFIR_REJECT, tempfail = SMFIR_TEMPFAIL,
  discard = SMFIR_DISCARD, accept = SMFIR_ACCEPT }

-- run_until: drive one connection up to stage and return the reply there
local function run_until(spec, stage)
  local conn = lib.connect()
  local steps = {
    { "connect", function() return mt.conninfo(conn, spec, "192.0.2.1") end },
    { "helo", function() return mt.helo(conn, "client") end },
    { "unknown", function() return mt.unknown(conn, "FOO") end },
    { "envfrom", function() return mt.mailfrom(conn, "<a@example.com>") end },
    { "envrcpt", function() return mt.rcptto(conn, "<b@example.org>") end },
    { "data", function() return mt.data(conn) end },
    { "header", function() return mt.header(conn, "Subject", "x") end },
    { "eoh", function() return mt.eoh(conn) end },
    { "body", function() return mt.bodystring(conn, "x\r\n") end },
    { "eom", function() return mt.eom(conn) end },
  }
  for _, s in ipairs(steps) do
    lib.step(s[2](), s[1])
    if s[1] == stage then return conn, mt.getreply(conn) end
  end
end

lib.run(function()
  for _, stage in ipairs({ "connect", "helo", "unknown", "envfrom", "envrcpt",
      "data", "header", "eoh", "body", "eom" }) do
    for _, v in ipairs({ "reject", "tempfail", "discard", "accept" }) do
      local ok = true
      if stage == "unknown" and (v == "discard" or v == "accept") then ok = false end
      if ok then
        local conn, got = run_until(v .. "-at-" .. stage, stage)
        lib.check(got == replies[v], string.format("%s at %s: got %q", v, stage,
          string.char(math.floor(got))))
        mt.disconnect(conn)
      end
    end
  end
end)
