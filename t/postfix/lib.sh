# t/postfix/lib.sh - a private Postfix instance, for t/postfix/run and
# scripts/bench.  Source it, then: pf_setup DIR SMTP_PORT SINK_PORT
# [MILTER_SPEC] (no milter when empty), pf_start, pf_stop.  Everything
# lives under DIR (config, queue, data, log), chroot is off, smtpd listens
# on 127.0.0.1:SMTP_PORT and relays to 127.0.0.1:SINK_PORT.

# pf_setup - write main.cf and master.cf for an instance under $1
pf_setup() {
    PFX=$1 SMTP_PORT=$2 SINK_PORT=$3
    mkdir -p "$PFX/etc" "$PFX/spool" "$PFX/data" "$PFX/run" "$PFX/sink"
    chown postfix "$PFX/data" "$PFX/sink"
    cat >"$PFX/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFX/spool
data_directory = $PFX/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.invalid
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = $PFX/maillog
maillog_file_prefixes = $PFX
milter_default_action = tempfail
milter_macro_daemon_name = smtpd
milter_connect_macros = j {daemon_name} {client_addr} v _
smtp_connect_timeout = 5s
EOF
    if [ -n "${4:-}" ]; then
        printf 'smtpd_milters = %s\nnon_smtpd_milters = $smtpd_milters\n' "$4" >>"$PFX/etc/main.cf"
    fi
    cat >"$PFX/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# pf_start - check and start the instance; 0 once it answers SMTP
pf_start() {
    postfix -c "$PFX/etc" check >/dev/null 2>&1
    script -qec "postfix -c $PFX/etc start" /dev/null >"$PFX/start.out" 2>&1 || return 1
    pf_i=0
    while ! swaks --server 127.0.0.1:$SMTP_PORT --quit-after CONNECT >/dev/null 2>&1 &&
        [ $pf_i -lt 100 ]; do
        sleep 0.1
        pf_i=$((pf_i + 1))
    done
    [ $pf_i -lt 100 ]
}

# pf_stop - stop the instance
pf_stop() {
    script -qec "postfix -c $PFX/etc stop" /dev/null >/dev/null 2>&1
}
