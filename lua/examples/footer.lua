-- footer.lua: appends a text footer to single-part plain-text messages.
--
-- Only a message whose Content-Type is absent or text/plain, with a
-- Content-Transfer-Encoding of 7bit, 8bit or none, gets the footer: a
-- multipart, HTML, base64 or quoted-printable body is left alone (adding
-- text to it would corrupt it).  The body is kept byte for byte (CRLF line
-- ends, 8-bit bytes) and replaced at eom with the footer after it.  The
-- body is held in memory up to max_bytes; bigger messages are left alone.

local milter = require "milter"

local Policy = milter.Base:extend()

Policy.footer = "\r\n-- \r\nScanned by luamilter.\r\n"
Policy.max_bytes = 1024 * 1024

function Policy:envfrom() self.eligible, self.chunks, self.size = true, {}, 0 end

function Policy:header(name, value)
  local n, v = name:lower(), value:lower()
  if n == "content-type" and not v:match("^%s*text/plain") then
    self.eligible = false
  elseif n == "content-transfer-encoding" and
      not (v:match("^%s*7bit") or v:match("^%s*8bit")) then
    self.eligible = false
  end
end

function Policy:body(chunk)
  if not self.eligible then return milter.SKIP end
  self.size = self.size + #chunk
  if self.size > self.max_bytes then
    self.eligible, self.chunks = false, {}
    return milter.SKIP
  end
  self.chunks[#self.chunks + 1] = chunk
end

function Policy:eom()
  if self.eligible then
    local body = table.concat(self.chunks)
    if body ~= "" and body:sub(-2) ~= "\r\n" then body = body .. "\r\n" end
    self:replacebody(body .. self.footer)
  end
  return milter.CONTINUE
end

Policy.tests = {
  { name = "plain text gets the footer", message = "Subject: x\r\n\r\ncaf\xe9\r\n",
    rcpt = { "<b@example.org>" },
    expect = { actions = { { op = "replacebody",
      body = "caf\xe9\r\n\r\n-- \r\nScanned by luamilter.\r\n" } } } },
  { name = "HTML is left alone", message = "Content-Type: text/html\r\n\r\n<p>x</p>\r\n",
    rcpt = { "<b@example.org>" }, expect = { no_actions = true } },
  { name = "base64 is left alone",
    message = "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n",
    rcpt = { "<b@example.org>" }, expect = { no_actions = true } },
}

return Policy
