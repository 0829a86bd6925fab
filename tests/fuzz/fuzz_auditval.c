/* Fuzz target: the typed view's value helpers (event/audit.h) on any
 * bytes: recipient lists, client addresses, results, times, type names.
 * Invariants: every address found lies inside the input (or is empty);
 * the count does not depend on max; a normalised address is a valid
 * address of at most MH_AUDIT_IP_MAX - 1 bytes that normalises to itself. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "core/time.h"
#include "event/audit.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_slice s = {(const char *)data, size};
	struct mh_audit_addr a[16], b[2];
	size_t n = mh_audit_addrs(s, a, 16);
	CHECK(mh_audit_addrs(s, b, 2) == n);
	for (size_t i = 0; i < n && i < 16; i++) {
		CHECK(a[i].kind >= MH_AADDR_SMTP &&
		      a[i].kind <= MH_AADDR_OTHER);
		if (a[i].addr.n)
			CHECK(a[i].addr.p >= s.p &&
			      a[i].addr.p + a[i].addr.n <= s.p + s.n);
		if (a[i].display.n)
			CHECK(a[i].display.p >= s.p &&
			      a[i].display.p + a[i].display.n <= s.p + s.n);
		if (a[i].kind == MH_AADDR_SMTP)
			CHECK(memchr(a[i].addr.p, '@', a[i].addr.n));
	}
	char ip[MH_AUDIT_IP_MAX], ip2[MH_AUDIT_IP_MAX];
	unsigned port = 0;
	size_t k = mh_audit_ip(s, ip, &port);
	CHECK(k < MH_AUDIT_IP_MAX && strlen(ip) == k);
	if (k) {
		unsigned char bin[16];
		CHECK(inet_pton(strchr(ip, ':') ? AF_INET6 : AF_INET, ip,
		                bin) == 1);
		CHECK(mh_audit_ip(mh_slice_make(ip, k), ip2, NULL) == k);
		CHECK(!strcmp(ip, ip2));
		CHECK(port <= 65535);
	}
	(void)mh_audit_result(s);
	int64_t t = mh_audit_time(s);
	if (t != MH_TS_NONE) {
		char iso[21];
		mh_time_iso(t, iso);
	}
	CHECK(mh_audit_record_type(s) >= -1);
	CHECK(mh_audit_user_type(s) >= -1);
	CHECK(mh_audit_logon_type(s) >= -1);
	return 0;
}
