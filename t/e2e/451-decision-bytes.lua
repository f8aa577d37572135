-- Decision records stay valid JSON and bounded whatever the mail holds:
-- 8-bit bytes that are not UTF-8 become U+FFFD and the field is listed in
-- "lossy", valid UTF-8 is kept, a NUL is \u0000; a 500-byte header
-- copied by the policy and a note of over 1 MiB made of it are cut with a
-- marker so the line fits decision_log_max, and the record still has
-- every envelope field.  self:note raises on what it cannot keep.  (miltertest itself overruns a buffer on a header
-- of a few KiB; t/c/unit_decision cuts a 1 MiB header value.)
-- policy: policies/decision.lua
-- conf: decision_log = @TMPDIR@/decisions.log
-- conf: decision_log_max = 4K
local lib = dofile(srcdir .. "/lib.lua")
local D = dofile(srcdir .. "/decision-lib.lua")

lib.run(function()
  local conn = D.open("client.example", "192.0.2.7", "helo.example")
  D.message(conn, "QBYTES", { "<ok@x>" }, { { "Subject", "bytes" } })
  D.message(conn, "QBIG", { "<big\xff@x>" }, { { "Subject", "big" },
    { "X-Big", string.rep("0123456789", 50) } })
  mt.disconnect(conn)
  D.wait_lines(2)
  D.check_valid()
  local longest = 0
  for line in lib.slurp(D.file):gmatch("[^\n]+") do
    longest = math.max(longest, #line)
  end
  lib.check(longest < 4 * 1024, "every line under decision_log_max (" .. longest .. " bytes)")
  D.check([[map(select(.qid == "QBYTES"))[0] |
    .notes.raw == "nul\u0000byte \ufffd\ufffd end é" and
    (.actions[0] | .action == "addheader" and .name == "X-Raw" and .value == "café \ufffd") and
    (.lossy | sort) == ["raw", "value"] ]], "bytes: NUL escaped, invalid UTF-8 replaced and listed, UTF-8 kept")
  D.check([[map(select(.qid == "QBYTES"))[0].notes.refused |
    (.[0] | test("note: the table is not an array")) and
    (.[1] | test("note: the value is a function")) and
    (.[2] | test("note: the key must be a string of 1 to 64 bytes"))]],
    "self:note raises on a table that is no array, a function, an empty key")
  D.check([[map(select(.qid == "QBIG"))[0] |
    .result == "delivered" and .from == "<a@example.com>" and .helo == "helo.example" and
    .client.addr == "192.0.2.7" and .rcpts[0].addr == "<big\ufffd@x>" and .rcpts[0].result == "accepted" and
    (.lossy | index("addr") != null) and
    (.notes.big | test("^(0123456789)+.*\\.\\.\\.\\[[0-9]+ bytes cut\\]$")) and
    (.notes.big | length) < 2048 and
    (.actions[0] | .action == "addheader" and .name == "X-Big-Copy" and
      (.value | startswith("0123456789")))]], "big: cut with markers, the envelope kept")
end)
