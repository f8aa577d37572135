-- Every log line about a message carries its queue id once known (verdict
-- warnings, the on_error answers, each line of a traceback), "new
-- connection" names the client even for a policy without connect, and at
-- info each message gets one line with its result and reply, so that grep
-- on a queue id tells the message's whole story.  on_error_reply is what
-- every policy failure answers, its text literal (doubled on the wire).
-- policy: policies/storyteller.lua
-- conf: log_level = info
-- conf: on_error_reply = 451 4.7.1 Policy check unavailable, 100% temporary
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")

-- message: one message with queue id qid, these recipients and headers
local function message(conn, qid, rcpts, headers)
  lib.step(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro i")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom " .. qid)
  for _, r in ipairs(rcpts) do lib.step(mt.rcptto(conn, r), "rcpt " .. r) end
  for _, h in ipairs(headers) do lib.step(mt.header(conn, h[1], h[2]), "header") end
  lib.step(mt.eom(conn), "eom " .. qid)
end

-- lines: the log lines containing text
local function lines(text)
  local out = {}
  for line in lib.log():gmatch("[^\n]+") do
    if line:find(text, 1, true) then out[#out + 1] = line end
  end
  return out
end

-- has_line: some log line contains every one of the texts
local function has_line(...)
  local want = { ... }
  for line in lib.log():gmatch("[^\n]+") do
    local all = true
    for _, w in ipairs(want) do
      if not line:find(w, 1, true) then all = false break end
    end
    if all then return true end
  end
  return false
end

lib.run(function()
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.9"), "conninfo")
  -- A: one recipient refused, the message delivered
  message(conn, "QIDA381", { "<no@x>", "<ok@x>" }, { { "Subject", "hello" } })
  lib.check(mt.eom_check(conn, MT_HDRADD, "X-Story", "told"), "A delivered")
  -- B: a Lua error at envrcpt, then one in a noreply header, answered at eom
  message(conn, "QIDB381", { "<boom@x>", "<ok@x>" },
    { { "X-Ignored", "1" }, { "X-Fail", "1" } })
  lib.check(mt.getreply(conn) == SMFIR_REPLYCODE and mt.eom_check(conn,
    MT_SMTPREPLY, "451", "4.7.1", "Policy check unavailable, 100%% temporary"),
    "B: on_error_reply at eom, its % doubled on the wire")
  -- C: quarantined; D: rejected at eom with the policy's reply
  message(conn, "QIDC381", { "<ok@x>" }, { { "Subject", "hold" } })
  message(conn, "QIDD381", { "<ok@x>" }, { { "Subject", "refuse" } })
  lib.reply(conn, SMFIR_REPLYCODE, "D rejected")
  mt.disconnect(conn)
  lib.wait_log("conn#1 QIDD381: result:", 10)

  lib.check(has_line("info: conn#1: new connection from client.example [192.0.2.9]:"),
    "new connection names host and address")
  lib.check(has_line("info: conn#1 QIDA381: recipient <no@x> rejected, reply "
    .. "550 5.1.1 <no@x>: 100% unknown"), "A: the refused recipient and its reply")
  lib.check(has_line("info: conn#1 QIDA381: result: delivered"), "A: result line")
  lib.check(has_line("info: conn#1 QIDB381: recipient <boom@x> tempfailed, reply "
    .. "451 4.7.1 Policy check unavailable, 100% temporary"), "B: recipient tempfailed")
  lib.check(has_line("notice: conn#1 QIDB381: envrcpt: policy failed, answering "
    .. "TEMPFAIL 451 4.7.1 Policy check unavailable, 100% temporary"),
    "B: the on_error answer names the queue id and the reply")
  lib.check(has_line("warning: conn#1 QIDB381: header returned REJECT, which is ignored"),
    "B: the ignored verdict names the queue id")
  lib.check(has_line("conn#1 QIDB381: header: policy failed at a stage without reply"),
    "B: the reply-less failure names the queue id")
  lib.check(has_line("notice: conn#1 QIDB381: eom: policy failed at header, which had "
    .. "no reply, answering TEMPFAIL"), "B: the late answer says where it failed")
  lib.check(has_line("info: conn#1 QIDB381: result: tempfailed, reply 451 4.7.1"),
    "B: result line")
  lib.check(has_line("info: conn#1 QIDC381: result: quarantined"), "C: result line")
  lib.check(has_line("info: conn#1 QIDD381: result: rejected, reply 554 5.7.1 "
    .. "Refused by policy"), "D: result line")
  -- every line of B's tracebacks carries the connection and queue id
  local tb = lines("stack traceback:")
  lib.check(#tb >= 2, "two tracebacks logged, got " .. #tb)
  for _, line in ipairs(tb) do
    lib.check(line:find(": error: conn#1 QIDB381: stack traceback:", 1, true),
      "traceback line with its prefix: " .. line)
  end
  local frames = lines("policy.lua:13: in function")
  lib.check(#frames >= 1, "a traceback frame of envrcpt")
  for _, line in ipairs(frames) do
    lib.check(line:find(": error: conn#1 QIDB381: ", 1, true), "frame with prefix: " .. line)
  end
  -- every line naming a queue id names the right one: no line mixes them
  for _, qid in ipairs({ "QIDA381", "QIDB381", "QIDC381", "QIDD381" }) do
    lib.check(#lines(qid) >= 1, qid .. " in the log")
  end
end)
