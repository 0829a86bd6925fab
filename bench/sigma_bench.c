/* sigma_bench.c - load+compile time and matching throughput of the Sigma
 * engine on Windows-event-shaped events, one core.
 *
 * usage: sigma_bench RULES_PATH [EVENTS]   (default 200000 events)
 *
 * Events are synthetic, built in memory before timing starts, in the
 * field shape of SigmaHQ's regression JSON as mailhunt's JSON reader
 * flattens it (Event.System.*, Event.EventData.*; about 25 fields, 1-2 KB
 * of values): a mix of Sysmon 1 (process creation), 3, 7, 11, 13, 22,
 * Security 4624/4688 and PowerShell 4104, with common binaries, command
 * lines, users, paths, GUIDs and hashes drawn from a fixed seed. Prints
 * the load time, events/s for mh_sigma_match over all events (each event
 * goes through view building, the prefilter scan and the candidates'
 * evaluation), matches, candidate evaluations per event and peak RSS.
 * Each event carries the typed view the JSON reader would give it
 * (event/winevent.h), as in a scan; the JSON parsing and field making of
 * a real scan are not included (bench/sigma.sh measures those end to
 * end).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "event/winevent.h"
#include "rules/sigma/match.h"
#include "rules/sigma/prefilter.h"
#include "rules/sigma/ruleset.h"

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const images[] = {
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "C:\\Windows\\explorer.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "C:\\Windows\\System32\\conhost.exe",
        "C:\\Windows\\System32\\taskhostw.exe",
        "C:\\Windows\\System32\\RuntimeBroker.exe",
        "C:\\Users\\alice\\AppData\\Local\\Temp\\setup_x64.exe",
        "C:\\Windows\\System32\\rundll32.exe",
        "C:\\Windows\\System32\\reg.exe",
        "C:\\Windows\\System32\\net.exe",
        "C:\\Windows\\System32\\whoami.exe",
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
};
static const char *const args[] = {
        "-k netsvcs -p -s Schedule",
        "/c echo hello > nul",
        "-NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1",
        "--type=renderer --field-trial-handle=1234,i,5678 --lang=en-US",
        "/S /D=C:\\Program Files\\App",
        "C:\\Windows\\System32\\shell32.dll,Control_RunDLL",
        "query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        "user alice /domain",
        "/all",
        "0xffffffff -ForceV1",
        "-Embedding",
        "--no-startup-window --win-session-start /prefetch:5",
};
static const char *const users[] = {"CORP\\alice", "CORP\\bob",
                                    "NT AUTHORITY\\SYSTEM",
                                    "NT AUTHORITY\\LOCAL SERVICE"};
static const char *const files[] = {
        "C:\\Users\\alice\\Documents\\report.docx",
        "C:\\Users\\bob\\AppData\\Local\\Temp\\tmp1234.tmp",
        "C:\\Windows\\Prefetch\\CHROME.EXE-1234ABCD.pf",
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache.bin",
        "C:\\Users\\alice\\Downloads\\invoice_2024.pdf",
};
static const char *const keys[] = {
        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\"
        "StartupApproved\\Run\\OneDrive",
        "HKU\\S-1-5-21-1\\Software\\Microsoft\\Office\\16.0\\Outlook\\"
        "Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676",
        "HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings",
};

struct ev {
	struct mh_field f[32];
	size_t n;
	char *own[32];
	size_t nown;
	struct mh_winevent win; /* the typed view a reader would give */
};

static void add(struct ev *e, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void add(struct ev *e, const char *name, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	int l = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *v = strdup(buf);
	e->own[e->nown++] = v;
	e->f[e->n].name = mh_slice_cstr(name);
	e->f[e->n].value = mh_slice_make(v, (size_t)l);
	e->n++;
}

static void guid(char *o)
{
	snprintf(o, 40, "{%08X-%04X-%04X-%04X-%04X%08X}", rnd(0xffffffff),
	         rnd(0xffff), rnd(0xffff), rnd(0xffff), rnd(0xffff),
	         rnd(0xffffffff));
}

static void make(struct ev *e, unsigned i)
{
	static const struct {
		const char *channel;
		int eid;
	} kinds[] = {
	        {"Microsoft-Windows-Sysmon/Operational", 1},
	        {"Microsoft-Windows-Sysmon/Operational", 1},
	        {"Microsoft-Windows-Sysmon/Operational", 1},
	        {"Microsoft-Windows-Sysmon/Operational", 3},
	        {"Microsoft-Windows-Sysmon/Operational", 7},
	        {"Microsoft-Windows-Sysmon/Operational", 11},
	        {"Microsoft-Windows-Sysmon/Operational", 13},
	        {"Microsoft-Windows-Sysmon/Operational", 22},
	        {"Security", 4624},
	        {"Security", 4688},
	        {"Microsoft-Windows-PowerShell/Operational", 4104},
	};
	memset(e, 0, sizeof(*e));
	unsigned k = rnd(sizeof(kinds) / sizeof(kinds[0]));
	e->win.shape = MH_WS_EVTX;
	e->win.event_id = kinds[k].eid;
	e->win.channel = mh_slice_cstr(kinds[k].channel);
	e->win.provider = mh_slice_cstr(
	        kinds[k].eid < 4000    ? "Microsoft-Windows-Sysmon"
	        : kinds[k].eid == 4104 ? "Microsoft-Windows-PowerShell"
	                               : "Microsoft-Windows-Security-Auditing");
	e->win.ts = MH_TS_NONE;
	const char *img = images[rnd(16)], *par = images[rnd(16)];
	char g[40];
	add(e, "Event.#attributes.xmlns", "%s",
	    "http://schemas.microsoft.com/win/2004/08/events/event");
	add(e, "Event.System.Provider.#attributes.Name", "%s",
	    kinds[k].eid < 4000    ? "Microsoft-Windows-Sysmon"
	    : kinds[k].eid == 4104 ? "Microsoft-Windows-PowerShell"
	                           : "Microsoft-Windows-Security-Auditing");
	add(e, "Event.System.EventID", "%d", kinds[k].eid);
	add(e, "Event.System.Version", "%d", 5);
	add(e, "Event.System.Level", "%d", 4);
	add(e, "Event.System.TimeCreated.#attributes.SystemTime",
	    "2025-10-24T23:%02u:%02u.%06uZ", rnd(60), rnd(60), i % 1000000);
	add(e, "Event.System.EventRecordID", "%u", 10000 + i);
	add(e, "Event.System.Execution.#attributes.ProcessID", "%u", rnd(9000));
	add(e, "Event.System.Channel", "%s", kinds[k].channel);
	add(e, "Event.System.Computer", "ws%02u.corp.example", rnd(40));
	add(e, "Event.System.Security.#attributes.UserID", "%s", "S-1-5-18");
	guid(g);
	switch (kinds[k].eid) {
	case 1:
	case 4688:
		add(e, "Event.EventData.UtcTime",
		    "2025-10-24 23:%02u:%02u.%03u", rnd(60), rnd(60),
		    rnd(1000));
		add(e, "Event.EventData.ProcessGuid", "%s", g);
		add(e, "Event.EventData.ProcessId", "%u", rnd(9000));
		add(e,
		    kinds[k].eid == 1 ? "Event.EventData.Image"
		                      : "Event.EventData.NewProcessName",
		    "%s", img);
		add(e, "Event.EventData.FileVersion", "10.0.19041.%u",
		    rnd(4000));
		add(e, "Event.EventData.Description", "%s",
		    "Windows host process");
		add(e, "Event.EventData.Product", "%s",
		    "Microsoft Windows Operating System");
		add(e, "Event.EventData.Company", "%s",
		    "Microsoft Corporation");
		add(e, "Event.EventData.OriginalFileName", "%s",
		    strrchr(img, '\\') + 1);
		add(e, "Event.EventData.CommandLine", "\"%s\" %s %s", img,
		    args[rnd(12)], args[rnd(12)]);
		add(e, "Event.EventData.CurrentDirectory", "%s",
		    "C:\\Windows\\system32\\");
		add(e, "Event.EventData.User", "%s", users[rnd(4)]);
		add(e, "Event.EventData.LogonId", "0x%x", rnd(0xfffff));
		add(e, "Event.EventData.IntegrityLevel", "%s", "Medium");
		add(e, "Event.EventData.Hashes",
		    "SHA1=%08X%08X%08X,MD5=%08X%08X,SHA256=%08X%08X%08X%08X,"
		    "IMPHASH=%08X%08X",
		    rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u),
		    rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u));
		add(e,
		    kinds[k].eid == 1 ? "Event.EventData.ParentImage"
		                      : "Event.EventData.ParentProcessName",
		    "%s", par);
		add(e, "Event.EventData.ParentCommandLine", "\"%s\" %s", par,
		    args[rnd(12)]);
		break;
	case 4104:
		add(e, "Event.EventData.MessageNumber", "%d", 1);
		add(e, "Event.EventData.MessageTotal", "%d", 1);
		add(e, "Event.EventData.ScriptBlockText",
		    "Get-ChildItem -Path C:\\Users\\%s -Recurse | Where-Object "
		    "{ $_.Length -gt %u } | Select-Object FullName, Length | "
		    "Export-Csv -Path C:\\temp\\out%u.csv",
		    users[rnd(4)], rnd(100000), rnd(100));
		add(e, "Event.EventData.ScriptBlockId", "%s", g);
		add(e, "Event.EventData.Path", "%s", "");
		break;
	case 13:
		add(e, "Event.EventData.EventType", "%s", "SetValue");
		add(e, "Event.EventData.Image", "%s", img);
		add(e, "Event.EventData.TargetObject", "%s", keys[rnd(3)]);
		add(e, "Event.EventData.Details", "DWORD (0x%08x)", rnd(3));
		break;
	case 4624:
		add(e, "Event.EventData.TargetUserName", "%s", "alice");
		add(e, "Event.EventData.LogonType", "%u", 2 + rnd(9));
		add(e, "Event.EventData.IpAddress", "10.%u.%u.%u", rnd(255),
		    rnd(255), rnd(255));
		add(e, "Event.EventData.ProcessName", "%s", img);
		add(e, "Event.EventData.AuthenticationPackageName", "%s",
		    "Negotiate");
		break;
	default:
		add(e, "Event.EventData.Image", "%s", img);
		add(e, "Event.EventData.TargetFilename", "%s", files[rnd(5)]);
		add(e, "Event.EventData.ImageLoaded", "%s",
		    "C:\\Windows\\System32\\ntdll.dll");
		add(e, "Event.EventData.QueryName", "www%u.example.com",
		    rnd(100));
		add(e, "Event.EventData.DestinationIp", "93.184.%u.%u",
		    rnd(255), rnd(255));
		add(e, "Event.EventData.DestinationPort", "%u", 443);
		add(e, "Event.EventData.User", "%s", users[rnd(4)]);
		break;
	}
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: sigma_bench RULES_PATH [EVENTS]\n", stderr);
		return 2;
	}
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200000;
	struct mh_sigma *s;
	struct mh_err err;
	mh_err_clear(&err);
	const char *p[1] = {argv[1]};
	double t0 = now();
	if (mh_sigma_load(p, 1, NULL, &s, &err)) {
		fprintf(stderr, "sigma_bench: %s\n", err.msg);
		return 3;
	}
	double load = now() - t0;
	size_t atoms, with, always;
	mh_sg_prefilter_stats(s->pf, &atoms, &with, &always);
	printf("rules: %zu loaded, %zu refused; load+compile %.3f s; "
	       "%zu prefilter atoms, %zu rules with atoms, %zu always-"
	       "evaluated\n",
	       s->nrules, s->nrefused, load, atoms, with, always);
	/* a pool of distinct events, reused round-robin */
	unsigned pool = n < 2000 ? n : 2000;
	struct ev *evs = calloc(pool, sizeof(*evs));
	size_t bytes = 0;
	for (unsigned i = 0; i < pool; i++) {
		make(&evs[i], i);
		for (size_t k = 0; k < evs[i].n; k++)
			bytes += evs[i].f[k].name.n + evs[i].f[k].value.n;
	}
	struct mh_sigma_ctx *c;
	if (mh_sigma_ctx_new(s, &c))
		return 4;
	uint64_t matched = 0;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	t0 = now();
	for (unsigned i = 0; i < n; i++) {
		struct ev *e = &evs[i % pool];
		struct mh_event ev = {0};
		ev.kind = MH_EV_WINEVENT;
		ev.path = "bench";
		ev.ts = MH_TS_NONE;
		ev.index = i;
		ev.fields = e->f;
		ev.nfields = e->n;
		ev.win = &e->win;
		const uint32_t *m;
		size_t k;
		if (mh_sigma_match(c, &ev, &m, &k))
			return 4;
		matched += k;
	}
	double dt = now() - t0;
	getrusage(RUSAGE_SELF, &r1);
	double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
	             (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
	             (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	             (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
	uint64_t events, evals, matches;
	mh_sigma_ctx_stats(c, &events, &evals, &matches);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("events: %u (%.0f bytes of names and values each); %.3f s "
	       "wall, %.3f s CPU; %.0f events per CPU second (one core); "
	       "%llu matches; %.1f rule evaluations per event; peak RSS "
	       "%.1f MiB\n",
	       n, (double)bytes / pool, dt, cpu, n / cpu,
	       (unsigned long long)matched, (double)evals / (double)events,
	       ru.ru_maxrss / 1024.0);
	mh_sigma_ctx_free(c);
	for (unsigned i = 0; i < pool; i++)
		for (size_t k = 0; k < evs[i].nown; k++)
			free(evs[i].own[k]);
	free(evs);
	mh_sigma_free(s);
	return 0;
}
