-- (needs the wiring of docs/modules/metrics-wiring.md; move to t/e2e/
-- with it) Built-in metrics follow known traffic: messages by result,
-- recipients, the eom histogram's count, connections, a policy error,
-- reloads ok and failed.
-- policy: policies/metrics-traffic.lua
-- conf: http_listen = 127.0.0.1:0
-- allow-errors
-- expect-log: generation 2
local lib = dofile(srcdir .. "/lib.lua")
local M = dofile(srcdir .. "/metrics-lib.lua")

-- one message to rcpt with subject (only up to the recipient when
-- subject is nil, as an MTA does after its only recipient is refused)
local function send(rcpt, subject)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.7"), "conninfo")
  lib.step(mt.helo(conn, "client.example"), "helo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  lib.step(mt.rcptto(conn, rcpt), "rcpt")
  local rcpt_reply = mt.getreply(conn)
  if subject == nil then
    mt.disconnect(conn)
    return rcpt_reply
  end
  lib.step(mt.header(conn, "Subject", subject), "header")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.eom(conn), "eom")
  local reply = mt.getreply(conn)
  mt.disconnect(conn)
  return rcpt_reply, reply
end

lib.run(function()
  local port = M.port()
  local before = M.scrape(port)
  send("<b@example.org>", "hi")
  send("<c@example.org>", "hi")
  lib.check(send("<trap@example.org>") == SMFIR_REPLYCODE, "the trap is refused")
  send("<d@example.org>", "boom")
  lib.use_policy("policies/broken.lua")
  lib.kill("HUP")
  lib.wait_log("reload failed", 30)
  lib.use_policy("policies/metrics-traffic.lua")
  lib.kill("HUP")
  lib.wait_log("generation 2", 30)
  local after = M.scrape(port)
  M.check_promtool(after, "after traffic")
  local function delta(s) return (M.value(after, s) or 0) - (M.value(before, s) or 0) end
  lib.check(delta("luamilter_connections_total") == 4, "4 connections")
  lib.check(delta('luamilter_messages_total{result="delivered"}') == 2, "2 delivered")
  lib.check(delta('luamilter_messages_total{result="tempfailed"}') == 1, "1 tempfailed (the error)")
  lib.check(delta('luamilter_recipients_total{result="rejected"}') == 1, "1 recipient rejected")
  lib.check(delta('luamilter_stage_duration_seconds_count{stage="eom"}') == 3, "3 eom calls timed")
  lib.check(delta('luamilter_policy_errors_total{kind="error",stage="eom"}') == 1, "1 eom error")
  lib.check(delta('luamilter_reloads_total{result="failed"}') == 1, "1 failed reload")
  lib.check(delta('luamilter_reloads_total{result="ok"}') == 1, "1 good reload")
  lib.check(M.value(after, "luamilter_connections_open") == 0, "none open")
end)
