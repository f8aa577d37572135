-- Every action primitive is seen by the MTA side at eom.
-- policy: policies/actions.lua
local lib = dofile(srcdir .. "/lib.lua")

-- eom_with: one connection, one message whose Subject names the action
local function eom_with(what)
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client.example", "192.0.2.1"), "conninfo")
  lib.step(mt.mailfrom(conn, "<a@example.com>"), "mailfrom")
  lib.step(mt.rcptto(conn, "<b@example.org>"), "rcptto")
  lib.step(mt.header(conn, "Subject", what), "header")
  lib.step(mt.header(conn, "X-Remove", "bye"), "header 2")
  lib.step(mt.eoh(conn), "eoh")
  lib.step(mt.bodystring(conn, "old body\r\n"), "body")
  lib.step(mt.eom(conn), "eom")
  return conn
end

local function check(what, ok, desc)
  local conn = eom_with(what)
  lib.check(ok(conn), what .. ": " .. desc)
  mt.disconnect(conn)
end

lib.run(function()
  check("addheader", function(c) return mt.eom_check(c, MT_HDRADD, "X-Added", "yes") end,
    "header added")
  check("insheader", function(c) return mt.eom_check(c, MT_HDRINSERT, "X-Inserted", "top", 0) end,
    "header inserted at index 0")
  check("chgheader", function(c) return mt.eom_check(c, MT_HDRCHANGE, "Subject", "changed") end,
    "Subject changed")
  check("delheader", function(c) return mt.eom_check(c, MT_HDRDELETE, "X-Remove") end,
    "header deleted")
  check("addrcpt", function(c) return mt.eom_check(c, MT_RCPTADD, "<added@example.org>") end,
    "recipient added")
  check("delrcpt", function(c) return mt.eom_check(c, MT_RCPTDELETE, "<b@example.org>") end,
    "recipient deleted")
  check("replacebody", function(c) return mt.eom_check(c, MT_BODYCHANGE, "new body\r\n") end,
    "body replaced")
  check("quarantine", function(c) return mt.eom_check(c, MT_QUARANTINE, "held for review") end,
    "quarantined")
  check("setreply", function(c)
    return mt.getreply(c) == SMFIR_REPLYCODE and
      mt.eom_check(c, MT_SMTPREPLY, "550", "5.7.1", "Rejected by policy") end,
    "reply code 550 5.7.1 with text")
  check("tempreply", function(c)
    return mt.eom_check(c, MT_SMTPREPLY, "451", "4.7.1", "Try later") end,
    "reply code 451 4.7.1")
  check("mlreply", function(c) return mt.getreply(c) == SMFIR_REPLYCODE end,
    "multi-line reply sent as a reply code")
  -- chgfrom, addrcpt_par and progress have no eom_check operation in
  -- miltertest: the message must still complete normally
  for _, w in ipairs({ "chgfrom", "addrcpt_par", "progress" }) do
    check(w, function(c) return mt.getreply(c) == SMFIR_CONTINUE end, "completes")
  end
end)
