-- sizelimit.lua: size and attachment-type rejecter.
--
-- Reads the MIME part headers (Content-Type, Content-Disposition) in the
-- body stream, chunk by chunk, keeping only the unfinished last line of a
-- chunk; rejects executables (by file name extension or content type) and
-- bodies over max_bytes.  Once the verdict is known it returns SKIP so the
-- MTA stops sending the body; the rejection is given at eom.

local milter = require "milter"

local Policy = milter.Base:extend()

Policy.max_bytes = 10 * 1024 * 1024
Policy.bad_ext = { exe = true, scr = true, js = true, bat = true, com = true,
  pif = true, vbs = true }
Policy.bad_types = { ["application/x-msdownload"] = true,
  ["application/x-ms-dos-executable"] = true }

function Policy:envfrom()
  self.bytes, self.carry, self.why = 0, "", nil
end

-- check_line: one body line, looking for part headers
function Policy:check_line(line)
  local l = line:lower()
  local ctype = l:match("^content%-type:%s*([%w%.%-%+]+/[%w%.%-%+]+)")
  if ctype and self.bad_types[ctype] then
    self.why = "attachments of type " .. ctype .. " are not accepted"
  end
  local name = l:match('name%*?=%s*"?([^";]+)"?')
  if name then
    local ext = name:match("%.([%w]+)%s*$")
    if ext and self.bad_ext[ext] then
      self.why = "attachments named *." .. ext .. " are not accepted"
    end
  end
end

function Policy:body(chunk)
  self.bytes = self.bytes + #chunk
  if self.bytes > self.max_bytes then
    self.why = "message larger than " .. self.max_bytes .. " bytes"
  end
  local data = self.carry .. chunk
  local last = 1
  for line, pos in data:gmatch("([^\n]*)\n()") do
    self:check_line(line)
    last = pos
  end
  self.carry = data:sub(last, last + 997)       -- at most one line's worth
  if self.why then return milter.SKIP end
end

function Policy:eom()
  if self.carry ~= "" then self:check_line(self.carry) end
  if self.why then
    self:setreply("550", "5.7.1", "Rejected: " .. self.why)
    return milter.REJECT
  end
  return milter.CONTINUE
end

Policy.tests = {
  { name = "an .exe attachment is rejected",
    message = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      .. "Content-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
      .. "Content-Type: application/octet-stream; name=\"setup.EXE\"\r\n"
      .. "Content-Disposition: attachment\r\n\r\nTVqQ\r\n--b--\r\n",
    rcpt = { "<b@example.org>" },
    expect = { result = "rejected",
      reply = "550 5.7.1 Rejected: attachments named *.exe are not accepted" } },
  { name = "plain text passes", message = "Subject: x\r\n\r\nhello\r\n",
    rcpt = { "<b@example.org>" }, expect = { result = "delivered" } },
}

return Policy
