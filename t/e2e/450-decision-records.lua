-- Decision records: one JSON line per message, exactly once, checked field
-- by field with jq: each result word (delivered, quarantined, discarded,
-- rejected, tempfailed, aborted), recipients with mixed verdicts, two
-- messages on one connection (connection fields kept, message fields
-- fresh), an abort, a connection rejected at connect ("message": false),
-- every recipient refused, a policy error with FILE:LINE, notes of the
-- connection and of the message, the modifications made at eom.
-- policy: policies/decision.lua
-- conf: decision_log = @TMPDIR@/decisions.log
-- allow-errors
local lib = dofile(srcdir .. "/lib.lua")
local D = dofile(srcdir .. "/decision-lib.lua")

lib.run(function()
  -- conn A: two messages, the first with mixed recipients
  local a = D.open("client.example", "192.0.2.7", "helo.example")
  D.message(a, "QA1", { "<ok@x>", "<trap@x>", "<later@x>" }, { { "Subject", "hi" } })
  D.message(a, "QA2", { "<ok2@x>" }, { { "Subject", "reject" } })
  mt.disconnect(a)
  -- conn B: quarantine, discard, tempfail, error; then an abort
  local b = D.open("other.example", "192.0.2.8", "other.example")
  D.message(b, "QB1", { "<ok@x>" }, { { "Subject", "quarantine" } })
  D.message(b, "QB2", { "<ok@x>" }, { { "Subject", "discard" } })
  D.message(b, "QB3", { "<ok@x>" }, { { "Subject", "tempfail" } })
  D.message(b, "QB4", { "<ok@x>" }, { { "Subject", "error" } })
  lib.step(mt.macro(b, SMFIC_MAIL, "i", "QB5"), "macro i")
  lib.step(mt.mailfrom(b, "<a@example.com>"), "mailfrom QB5")
  lib.step(mt.rcptto(b, "<ok@x>"), "rcpt QB5")
  lib.step(mt.header(b, "Subject", "never"), "header QB5")
  lib.step(mt.abort(b), "abort QB5")
  -- every recipient refused, then the client goes away
  lib.step(mt.macro(b, SMFIC_MAIL, "i", "QB6"), "macro i")
  lib.step(mt.mailfrom(b, "<a@example.com>"), "mailfrom QB6")
  lib.step(mt.rcptto(b, "<trap@x>"), "rcpt QB6")
  mt.disconnect(b)
  -- conn C: refused at connect
  local c = D.open("blocked.example", "192.0.2.66")
  mt.disconnect(c)
  D.wait_lines(9)
  mt.sleep(0.3)
  D.check_valid()
  D.check("length == 9", "9 records: one per message, one for the refused connection")
  D.check([[map(select(.message)) | map(.qid) | sort ==
    ["QA1","QA2","QB1","QB2","QB3","QB4","QB5","QB6"] ]], "each message once, with its queue id")
  D.check([[map(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) | all]],
    "time: RFC 3339, UTC, milliseconds")
  D.check([[map(.script | test("^[0-9a-f]+$")) | all]], "script: the version hash")
  D.check([[map(select(.qid == "QA1"))[0] |
    .result == "delivered" and .stage == "eom" and .from == "<a@example.com>" and
    .helo == "helo.example" and
    .client == {"name":"client.example","addr":"192.0.2.7","port":(.client.port),"family":"inet"} and
    (.client.port | type) == "number" and
    .rcpts == [{"addr":"<ok@x>","result":"accepted"},
               {"addr":"<trap@x>","result":"rejected","reply":"550 5.1.1 no such user"},
               {"addr":"<later@x>","result":"tempfailed","reply":"451 4.2.0 try later"}] and
    .notes == {"client_seen":true,"rule":"trap","score":2.5,"tags":["a",1,false]} and
    (.reply | not) and (.errors | not)]], "QA1: delivered, each recipient with its own verdict")
  D.check([[map(select(.qid == "QA1"))[0].actions ==
    [{"action":"addheader","name":"X-Checked","value":"yes"},
     {"action":"chgheader","name":"Subject","value":"[checked] hi","index":1},
     {"action":"replacebody","length":16}] ]], "QA1: the modifications, the body by its length")
  D.check([[map(select(.qid == "QA2"))[0] |
    .result == "rejected" and .stage == "eom" and .reply == "550 5.7.1 spam" and
    .notes.rule == "subject" and .notes.client_seen == true and .conn == (.conn|tonumber) and
    .rcpts == [{"addr":"<ok2@x>","result":"accepted"}] and .helo == "helo.example" and
    (.stages_ms | has("connect") | not) and (.stages_ms.eom >= 0) and .ms >= .stages_ms.eom]],
    "QA2: rejected with its reply; its own recipients and notes; connection fields kept")
  D.check([[(map(select(.qid == "QA1"))[0].stages_ms | has("connect") and has("envrcpt") and has("eom"))]],
    "the first record includes connect's time")
  D.check([[[.[] | select(.qid=="QA1" or .qid=="QA2") | .conn] | unique | length == 1]],
    "one connection number for both messages")
  D.check([[map(select(.qid == "QB1"))[0] | .result == "quarantined" and
    (.actions | map(.action)) == ["quarantine"] and
    .actions[0].reason == "held for review"]], "QB1: quarantined")
  D.check([[map(select(.qid == "QB2"))[0] | .result == "discarded" and .stage == "eom"]], "QB2: discarded")
  D.check([[map(select(.qid == "QB3"))[0] | .result == "tempfailed" and .reply == "451 4.7.1 greylisted"]],
    "QB3: tempfailed")
  D.check([[map(select(.qid == "QB4"))[0] | .result == "tempfailed" and
    (.errors | length == 1) and (.errors[0] | test("policy\\.lua:[0-9]+: boom at eom$"))]],
    "QB4: the policy error with FILE:LINE, answered by on_error")
  D.check([[map(select(.qid == "QB5"))[0] | .result == "aborted" and .stage == "header" and
    (.notes | has("rule") | not)]], "QB5: aborted, the stage it had reached")
  D.check([[map(select(.qid == "QB6"))[0] | .result == "rejected" and .stage == "envrcpt" and
    .reply == "550 5.1.1 no such user" and .rcpts[0].result == "rejected"]],
    "QB6: every recipient refused: rejected at envrcpt")
  D.check([[map(select(.message | not)) | length == 1 and (.[0] |
    .result == "rejected" and .stage == "connect" and .reply == "554 5.7.1 go away" and
    .client.name == "blocked.example" and .notes.rule == "blocklist" and (has("qid") | not) and
    (has("from") | not))]], "the refused connection: one record, message false")
end)
