-- Two members of pymilter's API: connect's hostaddr for inet6 carries flow
-- info and scope id (hostaddr[3]/.flowinfo, hostaddr[4]/.scope_id, integers
-- from the address libmilter passes), and Policy:protocol_mask() gives the
-- SMFIP_* bits cleared from the MTA's offer: the negotiated word is exactly
-- the offer with them cleared, and a class defining its own protocol_mask
-- changes what is negotiated.
-- policy: policies/connect-echo6.lua
local lib = dofile(srcdir .. "/lib.lua")

-- raw_session: run t/tools/rawmilter with these input lines; its output
local function raw_session(lines)
  local input = tmpdir .. "/raw.in"
  local f = assert(io.open(input, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  local p = assert(io.popen(string.format("'%s/../tools/rawmilter' '%s' < '%s' 2>&1",
    srcdir, socket, input)))
  local out = p:read("a")
  p:close()
  return out
end

lib.run(function()
  -- inet6: the 4-tuple, by index and by name
  local conn = lib.connect()
  lib.step(mt.conninfo(conn, "client6.example", "2001:db8::25"), "conninfo")
  lib.step(mt.eom(conn), "eom")
  local seen = mt.getheader(conn, "X-Connect", 0)
  lib.check(seen and seen:match("^client6%.example|inet6|2001:db8::25|%d+|0|0|"
    .. "2001:db8::25|%d+|0|0|integer,integer$"),
    "hostaddr is {ip, port, flowinfo, scope_id}: " .. tostring(seen))
  mt.disconnect(conn)

  -- a class with its own protocol_mask, under two different offers
  lib.use_policy("policies/masker.lua")
  lib.kill("HUP")
  lib.wait_log("generation 2")
  for _, offer in ipairs({ 0x1fffff, 0x0007ff }) do
    local out = raw_session({ string.format("negotiate 6 0x1ff 0x%x", offer),
      "connect client.example inet 2525 192.0.2.12", "mail <a@x>", "rcpt <b@x>",
      "header Subject x", "eoh", "body hello\\r\\n", "eom" })
    local word = tonumber(out:match("negotiated version=6 actions=0x1ff protocol=(0x%x+)"))
    local mask = tonumber(out:match("addheader X%-Mask (%d+)"))
    local base = tonumber(out:match("addheader X%-Base%-Mask (%d+)"))
    lib.check(word and mask and base, "negotiated word and both masks; rawmilter said:\n" .. out)
    lib.check(mask == base & ~(SMFIP_NOBODY | SMFIP_NR_RCPT),
      string.format("the class's mask 0x%x is its base mask 0x%x less NOBODY, NR_RCPT",
        mask, base))
    lib.check(word == offer & ~mask, string.format(
      "negotiated 0x%x is exactly the offer 0x%x with the mask 0x%x cleared (0x%x)",
      word, offer, mask, offer & ~mask))
    lib.check(word & SMFIP_NOBODY ~= 0 and out:find("skipped body", 1, true),
      "the class's own mask keeps NOBODY: no body sent; rawmilter said:\n" .. out)
    lib.check(out:find("addheader X-Body-Seen false", 1, true), "the body callback never ran")
    if offer & SMFIP_NR_RCPT ~= 0 then
      lib.check(word & SMFIP_NR_RCPT ~= 0, "the own mask keeps NR_RCPT")
    end
  end
end)
