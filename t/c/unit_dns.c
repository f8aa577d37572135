/* unit_dns.c - milter.dns without a network: the dns_servers list and its
 * config errors, query name limits, reverse names, record type names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dns.h"
#include "dns_conf.h"
#include "dns_names.h"

/* test_servers - every form of dns_servers, in libunbound's form */
static void
test_servers(void **state)
{
    char out[DNS_SERVERS_MAX][DNS_SERVER_LEN], err[256];

    (void)state;
    assert_int_equal(dns_servers_parse("127.0.0.1 10.0.0.1:5353 [::1]:53 ::1 "
                                       "[2001:db8::1]", out, DNS_SERVERS_MAX,
                                       err, sizeof err), 5);
    assert_string_equal(out[0], "127.0.0.1@53");
    assert_string_equal(out[1], "10.0.0.1@5353");
    assert_string_equal(out[2], "::1@53");
    assert_string_equal(out[3], "::1@53");
    assert_string_equal(out[4], "2001:db8::1@53");
    assert_int_equal(dns_servers_parse("127.0.0.300", out, DNS_SERVERS_MAX, err,
                                       sizeof err), -1);
    assert_string_equal(err, "dns server '127.0.0.300': '127.0.0.300' is not "
                        "an IPv4 address");
    assert_int_equal(dns_servers_parse("127.0.0.1:0", out, DNS_SERVERS_MAX,
                                       err, sizeof err), -1);
    assert_non_null(strstr(err, "'0' is not a port"));
    assert_int_equal(dns_servers_parse("[::1", out, DNS_SERVERS_MAX, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "[ADDR]:PORT"));
    assert_int_equal(dns_servers_parse("  ", out, DNS_SERVERS_MAX, err,
                                       sizeof err), -1);
    assert_string_equal(err, "no dns server given");
}

/* test_config_keys - the module's keys in a config file: defaults, and a
 * bad value as FILE:LINE: what is wrong */
static void
test_config_keys(void **state)
{
    struct config *cfg;
    const struct dns_conf *dc;
    char err[512];

    (void)state;
    assert_int_equal(modules_init(err, sizeof err), 0);
    cfg = config_new();
    assert_non_null(cfg);
    dc = dns_conf_of(cfg, dns_module.section);
    assert_null(dc->servers);
    assert_true(dc->timeout == 2.0);
    assert_int_equal(dc->max_queries, 64);
    assert_int_equal(dc->cache, 8u << 20);
    assert_int_equal(config_parse(cfg, "t.conf", "dns_servers = [::1]:5353\n"
                                  "dns_timeout = 500ms\ndns_cache = 1M\n",
                                  err, sizeof err), 0);
    assert_string_equal(dc->servers, "[::1]:5353");
    assert_true(dc->timeout > 0.49 && dc->timeout < 0.51);
    assert_int_equal(dc->cache, 1u << 20);
    config_unref(cfg);
    cfg = config_new();
    assert_int_equal(config_parse(cfg, "t.conf", "# DNS\ndns_servers = 127.0.0.1 "
                                  "nonsense\n", err, sizeof err), -1);
    assert_string_equal(err, "t.conf:2: dns_servers: dns server 'nonsense': 'nonsense' is "
                        "not an IPv4 address");
    config_unref(cfg);
    cfg = config_new();
    assert_int_equal(config_parse(cfg, "t.conf", "dns_max_queries = 0\n", err,
                                  sizeof err), -1);
    assert_non_null(strstr(err, "t.conf:1:"));
    config_unref(cfg);
}

/* test_names - what may be asked: 253 bytes, labels of 1 to 63 */
static void
test_names(void **state)
{
    char out[DNS_NAME_MAX + 1], name[300];

    (void)state;
    assert_int_equal(dns_name_check("Example.ORG.", 12, out), 0);
    assert_string_equal(out, "Example.ORG");
    memset(name, 'a', 63);
    memcpy(name + 63, ".org", 5);
    assert_int_equal(dns_name_check(name, strlen(name), out), 0);
    name[63] = 'a';                             /* a 64-byte label */
    assert_int_equal(dns_name_check(name, strlen(name), out), -1);
    memset(name, 'a', 253);                     /* labels of 50 and dots */
    for (int i = 50; i < 253; i += 51)
        name[i] = '.';
    name[253] = '\0';
    assert_int_equal(dns_name_check(name, 253, out), 0);
    name[253] = 'a';
    name[254] = '\0';
    assert_int_equal(dns_name_check(name, 254, out), -1);
    assert_int_equal(dns_name_check("a..b", 4, out), -1);
    assert_int_equal(dns_name_check(".", 1, out), -1);
    assert_int_equal(dns_name_check("", 0, out), -1);
    assert_int_equal(dns_name_check("a b", 3, out), -1);
    assert_int_equal(dns_name_check("a\\.b", 4, out), -1);
    assert_int_equal(dns_name_check("a\0b", 3, out), -1);
    assert_int_equal(dns_name_check("\xc3\xa9.example", 10, out), 0);
}

/* test_reverse - in-addr.arpa, ip6.arpa nibbles, a list's zone */
static void
test_reverse(void **state)
{
    struct dns_addr a, b;
    char out[DNS_NAME_MAX + 1];

    (void)state;
    assert_int_equal(dns_addr_parse("192.0.2.1", 9, &a), 0);
    assert_int_equal(dns_reverse_name(&a, "in-addr.arpa", out), 0);
    assert_string_equal(out, "1.2.0.192.in-addr.arpa");
    assert_int_equal(dns_addr_parse("::ffff:192.0.2.1", 16, &b), 0);
    assert_int_equal(b.family, 4);
    assert_true(dns_addr_equal(&a, &b));
    assert_int_equal(dns_addr_parse("[2001:db8::2]", 13, &a), 0);
    assert_int_equal(dns_reverse_name(&a, "zen.example.org.", out), 0);
    assert_string_equal(out, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
                        "8.b.d.0.1.0.0.2.zen.example.org");
    assert_int_equal(dns_addr_parse("2001:db8::2%eth0", 16, &a), -1);
    assert_int_equal(dns_addr_parse("192.0.2.256", 11, &a), -1);
    assert_int_equal(dns_join_name("bad.example.", 12, ".rhsbl.test", out), 0);
    assert_string_equal(out, "bad.example.rhsbl.test");
    assert_int_equal(dns_type_parse("mx"), DNS_MX);
    assert_int_equal(dns_type_parse("SPF"), 0);
    assert_string_equal(dns_type_name(DNS_AAAA), "AAAA");
}

/* main - run the milter.dns unit tests */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_reverse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
