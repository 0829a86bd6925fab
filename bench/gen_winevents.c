/* gen_winevents.c - a large, realistic Windows event set as JSON, for the
 * Sigma benchmark (bench/sigma.sh). Deterministic: the same arguments give
 * the same bytes.
 *
 * usage: gen_winevents [--form evtx|ecs] [--size BYTES[K|M|G]] [--seed N]
 *
 * Writes JSON Lines to standard output, one event per line, in the form
 * evtx_dump gives (as SigmaHQ's regression JSON: Event.System with
 * XML attributes under "#attributes", Event.EventData) or as Winlogbeat
 * ships it (winlog.*, ECS). The mix is that of a Sysmon-instrumented
 * workstation fleet with Security auditing and PowerShell script block
 * logging: Sysmon 1 (process creation, 26%), 3 (network), 5, 7 (image
 * load, 14%), 10 (process access), 11 (file create, 12%), 12/13
 * (registry), 22 (DNS), Security 4624/4625/4634/4672/4688, PowerShell
 * 4104 script blocks, with 40 hosts, a few users, the usual binaries and
 * their real command lines, hashes, GUIDs, registry keys, file paths and
 * domains. About 1.3 KB per event.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

static const char *const images[] = {
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "C:\\Windows\\explorer.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        "C:\\Windows\\System32\\conhost.exe",
        "C:\\Windows\\System32\\taskhostw.exe",
        "C:\\Windows\\System32\\RuntimeBroker.exe",
        "C:\\Users\\alice\\AppData\\Local\\Temp\\setup_x64.exe",
        "C:\\Windows\\System32\\rundll32.exe",
        "C:\\Windows\\System32\\reg.exe",
        "C:\\Windows\\System32\\net.exe",
        "C:\\Windows\\System32\\whoami.exe",
        "C:\\Windows\\System32\\schtasks.exe",
        "C:\\Windows\\System32\\msiexec.exe",
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        "C:\\Windows\\System32\\SearchIndexer.exe",
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18."
        "24090.11-0\\MsMpEng.exe",
        "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
        "C:\\Program Files\\Git\\cmd\\git.exe",
        "C:\\Program Files\\nodejs\\node.exe",
};
static const char *const args[] = {
        "-k netsvcs -p -s Schedule",
        "-k LocalServiceNetworkRestricted -p -s EventLog",
        "/c echo hello > nul",
        "/c dir /s /b C:\\Users\\alice\\Documents",
        "-NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1",
        "-NoLogo -NonInteractive -Command Get-Service | Where Status -eq "
        "Running",
        "--type=renderer --field-trial-handle=1234,i,5678 --lang=en-US "
        "--device-scale-factor=1 --num-raster-threads=4",
        "--type=utility --utility-sub-type=network.mojom.NetworkService",
        "/S /D=C:\\Program Files\\App",
        "C:\\Windows\\System32\\shell32.dll,Control_RunDLL",
        "query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        "user alice /domain",
        "/query /fo LIST /v",
        "/i C:\\Users\\bob\\Downloads\\agent.msi /qn",
        "0xffffffff -ForceV1",
        "-Embedding",
        "--no-startup-window --win-session-start /prefetch:5",
        "fetch --all --prune",
        "C:\\Users\\alice\\src\\app\\node_modules\\.bin\\tsc -p .",
};
static const char *const users[] = {
        "CORP\\alice",
        "CORP\\bob",
        "CORP\\carol",
        "CORP\\svc_backup",
        "NT AUTHORITY\\SYSTEM",
        "NT AUTHORITY\\LOCAL SERVICE",
        "NT AUTHORITY\\NETWORK SERVICE",
};
static const char *const files[] = {
        "C:\\Users\\alice\\Documents\\report.docx",
        "C:\\Users\\bob\\AppData\\Local\\Temp\\tmp1234.tmp",
        "C:\\Windows\\Prefetch\\CHROME.EXE-1234ABCD.pf",
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache.bin",
        "C:\\Users\\alice\\Downloads\\invoice_2024.pdf",
        "C:\\Users\\alice\\AppData\\Local\\Google\\Chrome\\User Data\\"
        "Default\\Cache\\Cache_Data\\f_00a1b2",
        "C:\\Users\\bob\\AppData\\Local\\Microsoft\\Outlook\\bob@corp."
        "example.ost",
        "C:\\Windows\\Temp\\MpCmdRun.log",
        "C:\\Users\\carol\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\"
        "budget.xlsx.lnk",
};
static const char *const dlls[] = {
        "C:\\Windows\\System32\\ntdll.dll",
        "C:\\Windows\\System32\\kernel32.dll",
        "C:\\Windows\\System32\\user32.dll",
        "C:\\Windows\\System32\\combase.dll",
        "C:\\Windows\\System32\\wininet.dll",
        "C:\\Windows\\System32\\crypt32.dll",
        "C:\\Program Files\\Google\\Chrome\\Application\\120.0.6099.130\\"
        "chrome_elf.dll",
};
static const char *const regkeys[] = {
        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\"
        "StartupApproved\\Run\\OneDrive",
        "HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\"
        "Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\"
        "9375CFF0413111d3B88A00104B2A6676\\00000002\\Account Name",
        "HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\"
        "UserSettings\\S-1-5-21-1004336348-1177238915-682003330-1001\\"
        "\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe",
        "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\"
        "SignatureLocation",
        "HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\"
        "Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx",
};
static const char *const domains[] = {
        "www.google.com",
        "login.microsoftonline.com",
        "outlook.office365.com",
        "update.googleapis.com",
        "github.com",
        "registry.npmjs.org",
        "settings-win.data.microsoft.com",
        "wpad.corp.example",
        "dc01.corp.example",
        "fileserver.corp.example",
};
/* MARK: - output */

static char out[1 << 16];
static size_t on;
static unsigned long long written; /* bytes written */

static void flush(void)
{
	fwrite(out, 1, on, stdout);
	on = 0;
}

static void raw(const char *s)
{
	size_t n = strlen(s);
	if (on + n >= sizeof(out))
		flush();
	memcpy(out + on, s, n);
	on += n;
	written += n;
}

/* A JSON string of the printf result (backslashes and quotes escaped;
 * "\\n" in the format stays a JSON newline escape). */
static void str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void str(const char *fmt, ...)
{
	char buf[4096], esc[8300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t k = 0;
	esc[k++] = '"';
	for (const char *p = buf; *p; p++) {
		if (*p == '\\' && p[1] == 'n') {
			esc[k++] = '\\';
			esc[k++] = 'n';
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			esc[k++] = '\\';
		esc[k++] = *p;
	}
	esc[k++] = '"';
	esc[k] = '\0';
	raw(esc);
}

/* "name": then a value written by the caller. */
static int nkeys;
static void key(const char *name)
{
	if (nkeys++)
		raw(",");
	raw("\"");
	raw(name);
	raw("\":");
}

static void kv(const char *name, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void kv(const char *name, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	key(name);
	str("%s", buf);
}

static void kn(const char *name, unsigned long long v)
{
	char b[32];
	key(name);
	snprintf(b, sizeof(b), "%llu", v);
	raw(b);
}

static void guid(char *o)
{
	snprintf(o, 40, "{%08X-%04X-%04X-%04X-%04X%08X}", rnd(0xffffffff),
	         rnd(0xffff), rnd(0xffff), rnd(0xffff), rnd(0xffff),
	         rnd(0xffffffff));
}

/* MARK: - events */

struct kind {
	const char *channel, *provider;
	unsigned eid, weight;
};

#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define SYSP   "Microsoft-Windows-Sysmon"
#define SECP   "Microsoft-Windows-Security-Auditing"
static const struct kind kinds[] = {
        {SYSMON, SYSP, 1, 26},
        {SYSMON, SYSP, 3, 8},
        {SYSMON, SYSP, 5, 5},
        {SYSMON, SYSP, 7, 14},
        {SYSMON, SYSP, 10, 4},
        {SYSMON, SYSP, 11, 12},
        {SYSMON, SYSP, 12, 3},
        {SYSMON, SYSP, 13, 6},
        {SYSMON, SYSP, 22, 6},
        {"Security", SECP, 4624, 4},
        {"Security", SECP, 4625, 1},
        {"Security", SECP, 4634, 2},
        {"Security", SECP, 4672, 2},
        {"Security", SECP, 4688, 4},
        {"Microsoft-Windows-PowerShell/Operational",
         "Microsoft-Windows-PowerShell", 4104, 3},
};

static const struct kind *pick_kind(void)
{
	unsigned total = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		total += kinds[i].weight;
	unsigned r = rnd(total);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (r < kinds[i].weight)
			return &kinds[i];
		r -= kinds[i].weight;
	}
	return &kinds[0];
}

static void hashes(void)
{
	kv("Hashes",
	   "SHA1=%08X%08X%08X%08X%08X,MD5=%08X%08X%08X%08X,SHA256=%08X%08X%08X"
	   "%08X%08X%08X%08X%08X,IMPHASH=%08X%08X%08X%08X",
	   rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u),
	   rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u),
	   rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u), rnd(~0u),
	   rnd(~0u));
}

/* The EventData members of event k (the caller opened the object). */
static void data(const struct kind *k, const char *ts)
{
	char g[40], pg[40];
	guid(g);
	guid(pg);
	const char *img = PICK(images), *par = PICK(images);
	const char *user = PICK(users);
	switch (k->eid) {
	case 1:
	case 4688:
		if (k->eid == 1) {
			kv("RuleName", "-");
			kv("UtcTime", "%s", ts);
			kv("ProcessGuid", "%s", g);
			kn("ProcessId", rnd(20000));
			kv("Image", "%s", img);
			kv("FileVersion",
			   "10.0.19041.%u (WinBuild.160101.0800)", rnd(4000));
			kv("Description", "%s", "Windows host process");
			kv("Product", "%s",
			   "Microsoft Windows Operating System");
			kv("Company", "%s", "Microsoft Corporation");
			kv("OriginalFileName", "%s", strrchr(img, '\\') + 1);
			kv("CommandLine", "\"%s\" %s %s", img, PICK(args),
			   PICK(args));
			kv("CurrentDirectory", "%s", "C:\\Windows\\system32\\");
			kv("User", "%s", user);
			kv("LogonGuid", "%s", pg);
			kv("LogonId", "0x%x", rnd(0xfffff));
			kn("TerminalSessionId", rnd(3));
			kv("IntegrityLevel", "%s", rnd(4) ? "Medium" : "High");
			hashes();
			kv("ParentProcessGuid", "%s", pg);
			kn("ParentProcessId", rnd(20000));
			kv("ParentImage", "%s", par);
			kv("ParentCommandLine", "\"%s\" %s", par, PICK(args));
			kv("ParentUser", "%s", user);
		} else {
			kv("SubjectUserSid",
			   "S-1-5-21-1004336348-1177238915-"
			   "682003330-%u",
			   1000 + rnd(5));
			kv("SubjectUserName", "%s", strchr(user, '\\') + 1);
			kv("SubjectDomainName", "%s", "CORP");
			kv("SubjectLogonId", "0x%x", rnd(0xfffff));
			kv("NewProcessId", "0x%x", rnd(0xffff));
			kv("NewProcessName", "%s", img);
			kv("TokenElevationType", "%%%%193%u", 6 + rnd(3));
			kv("ProcessId", "0x%x", rnd(0xffff));
			kv("CommandLine", "\"%s\" %s", img, PICK(args));
			kv("TargetUserSid", "S-1-0-0");
			kv("TargetUserName", "-");
			kv("TargetDomainName", "-");
			kv("TargetLogonId", "0x0");
			kv("ParentProcessName", "%s", par);
			kv("MandatoryLabel", "S-1-16-%u",
			   rnd(2) ? 8192 : 12288);
		}
		break;
	case 3:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("Image", "%s", img);
		kv("User", "%s", user);
		kv("Protocol", "tcp");
		kv("Initiated", "true");
		kv("SourceIsIpv6", "false");
		kv("SourceIp", "10.1.%u.%u", rnd(255), rnd(255));
		kv("SourceHostname", "ws%02u.corp.example", rnd(40));
		kn("SourcePort", 49152 + rnd(16000));
		kv("DestinationIsIpv6", "false");
		kv("DestinationIp", "%u.%u.%u.%u", 13 + rnd(200), rnd(255),
		   rnd(255), rnd(255));
		kv("DestinationHostname", "%s", PICK(domains));
		kn("DestinationPort", rnd(4) ? 443 : 80);
		kv("DestinationPortName", rnd(4) ? "https" : "http");
		break;
	case 5:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("Image", "%s", img);
		kv("User", "%s", user);
		break;
	case 7:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("Image", "%s", img);
		kv("ImageLoaded", "%s", PICK(dlls));
		kv("FileVersion", "10.0.19041.%u (WinBuild.160101.0800)",
		   rnd(4000));
		kv("Description", "NT Layer DLL");
		kv("Product", "Microsoft Windows Operating System");
		kv("Company", "Microsoft Corporation");
		kv("OriginalFileName", "ntdll.dll");
		hashes();
		kv("Signed", "true");
		kv("Signature", "Microsoft Windows");
		kv("SignatureStatus", "Valid");
		kv("User", "%s", user);
		break;
	case 10:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("SourceProcessGUID", "%s", g);
		kn("SourceProcessId", rnd(20000));
		kn("SourceThreadId", rnd(20000));
		kv("SourceImage", "%s", img);
		kv("TargetProcessGUID", "%s", pg);
		kn("TargetProcessId", rnd(20000));
		kv("TargetImage", "%s", par);
		kv("GrantedAccess", "0x%x", rnd(2) ? 0x1000 : 0x1400);
		kv("CallTrace",
		   "C:\\Windows\\SYSTEM32\\ntdll.dll+9d234|C:\\"
		   "Windows\\System32\\KERNELBASE.dll+2c13e|UNKNOWN(%"
		   "08X)",
		   rnd(~0u));
		kv("SourceUser", "%s", user);
		kv("TargetUser", "%s", user);
		break;
	case 11:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("Image", "%s", img);
		kv("TargetFilename", "%s", PICK(files));
		kv("CreationUtcTime", "%s", ts);
		kv("User", "%s", user);
		break;
	case 12:
	case 13:
		kv("RuleName", "-");
		kv("EventType", k->eid == 12 ? "CreateKey" : "SetValue");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("Image", "%s", img);
		kv("TargetObject", "%s", PICK(regkeys));
		if (k->eid == 13)
			kv("Details", "DWORD (0x%08x)", rnd(3));
		kv("User", "%s", user);
		break;
	case 22:
		kv("RuleName", "-");
		kv("UtcTime", "%s", ts);
		kv("ProcessGuid", "%s", g);
		kn("ProcessId", rnd(20000));
		kv("QueryName", "%s", PICK(domains));
		kv("QueryStatus", "0");
		kv("QueryResults", "type:  5 %s;::ffff:%u.%u.%u.%u;",
		   PICK(domains), 13 + rnd(200), rnd(255), rnd(255), rnd(255));
		kv("Image", "%s", img);
		kv("User", "%s", user);
		break;
	case 4624:
	case 4625:
	case 4634:
	case 4672:
		kv("SubjectUserSid", "S-1-5-18");
		kv("SubjectUserName", "WS%02u$", rnd(40));
		kv("SubjectDomainName", "CORP");
		kv("SubjectLogonId", "0x3e7");
		kv("TargetUserSid",
		   "S-1-5-21-1004336348-1177238915-682003330-%u",
		   1000 + rnd(5));
		kv("TargetUserName", "%s", strchr(user, '\\') + 1);
		kv("TargetDomainName", "CORP");
		kv("TargetLogonId", "0x%x", rnd(0xfffff));
		if (k->eid == 4624 || k->eid == 4625) {
			kn("LogonType", 2 + rnd(9));
			kv("LogonProcessName", "User32 ");
			kv("AuthenticationPackageName", "Negotiate");
			kv("WorkstationName", "WS%02u", rnd(40));
			kv("LogonGuid", "%s", g);
			kv("ProcessName", "C:\\Windows\\System32\\svchost.exe");
			kv("IpAddress", "10.1.%u.%u", rnd(255), rnd(255));
			kn("IpPort", rnd(65535));
		}
		if (k->eid == 4625) {
			kv("Status", "0xc000006d");
			kv("SubStatus", "0xc000006a");
		}
		if (k->eid == 4672)
			kv("PrivilegeList", "SeSecurityPrivilege\\n\\t\\t\\t"
			                    "SeBackupPrivilege\\n\\t\\t\\t"
			                    "SeRestorePrivilege");
		break;
	case 4104: {
		const char *who = strchr(user, '\\') + 1;
		kn("MessageNumber", 1);
		kn("MessageTotal", 1);
		key("ScriptBlockText");
		switch (rnd(4)) {
		case 0:
			str("Get-ChildItem -Path C:\\Users\\%s -Recurse | "
			    "Where-Object { $_.Length -gt %u } | Select-Object "
			    "FullName, Length | Export-Csv -Path "
			    "C:\\temp\\out%u"
			    ".csv",
			    who, rnd(100000), rnd(100));
			break;
		case 1:
			str("$ErrorActionPreference = 'Stop'\\n$svc = "
			    "Get-Service -Name 'Spooler'\\nif ($svc.Status -ne "
			    "'Running') { Start-Service Spooler "
			    "}\\nWrite-Output "
			    "\"checked by %s %u\"",
			    who, rnd(100000));
			break;
		case 2:
			str("function Get-DiskReport {\\n  param([string]"
			    "$Computer = $env:COMPUTERNAME)\\n  "
			    "Get-CimInstance "
			    "Win32_LogicalDisk -ComputerName $Computer | "
			    "Where-Object DriveType -eq 3 | Select-Object "
			    "DeviceID, "
			    "@{n='FreeGB';e={[math]::Round($_.FreeSpace"
			    "/1GB,1)}}\\n}\\nGet-DiskReport # %s %u",
			    who, rnd(100000));
			break;
		default:
			str("Import-Module ActiveDirectory\\nGet-ADUser "
			    "-Filter * "
			    "-Properties LastLogonDate | Where-Object { "
			    "$_.LastLogonDate -lt (Get-Date).AddDays(-%u) } | "
			    "Select-Object SamAccountName # %s",
			    rnd(365), who);
			break;
		}
		kv("ScriptBlockId", "%s", g);
		kv("Path", "C:\\scripts\\task%u.ps1", rnd(20));
		break;
	}
	}
}

static void event_evtx(const struct kind *k, unsigned long long rec,
                       const char *ts, const char *iso, unsigned host)
{
	raw("{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas."
	    "microsoft.com/win/2004/08/events/event\"},\"System\":{");
	nkeys = 0;
	key("Provider");
	raw("{\"#attributes\":{");
	nkeys = 0;
	kv("Name", "%s", k->provider);
	kv("Guid", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
	raw("}}");
	nkeys = 1;
	kn("EventID", k->eid);
	kn("Version", 5);
	kn("Level", 4);
	kn("Task", k->eid < 256 ? k->eid : 12544);
	kn("Opcode", 0);
	kv("Keywords", "0x8000000000000000");
	key("TimeCreated");
	raw("{\"#attributes\":{");
	nkeys = 0;
	kv("SystemTime", "%s", iso);
	raw("}}");
	nkeys = 1;
	kn("EventRecordID", rec);
	key("Correlation");
	raw("null");
	key("Execution");
	raw("{\"#attributes\":{");
	nkeys = 0;
	kn("ProcessID", rnd(5000));
	kn("ThreadID", rnd(9000));
	raw("}}");
	nkeys = 1;
	kv("Channel", "%s", k->channel);
	kv("Computer", "ws%02u.corp.example", host);
	key("Security");
	raw("{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}");
	raw("},\"EventData\":{");
	nkeys = 0;
	data(k, ts);
	raw("}}}\n");
}

static void event_ecs(const struct kind *k, unsigned long long rec,
                      const char *ts, const char *iso, unsigned host)
{
	raw("{");
	nkeys = 0;
	kv("@timestamp", "%s", iso);
	key("event");
	raw("{");
	nkeys = 0;
	kv("code", "%u", k->eid);
	kv("provider", "%s", k->provider);
	kv("kind", "event");
	kv("created", "%s", iso);
	raw("}");
	nkeys = 1;
	key("host");
	raw("{");
	nkeys = 0;
	kv("name", "ws%02u.corp.example", host);
	raw("}");
	nkeys = 1;
	key("winlog");
	raw("{");
	nkeys = 0;
	kv("channel", "%s", k->channel);
	kv("event_id", "%u", k->eid);
	kv("provider_name", "%s", k->provider);
	kv("computer_name", "ws%02u.corp.example", host);
	kv("record_id", "%llu", rec);
	kv("api", "wineventlog");
	key("process");
	raw("{\"pid\":");
	char b[48];
	snprintf(b, sizeof(b), "%u,\"thread\":{\"id\":%u}}", rnd(5000),
	         rnd(9000));
	raw(b);
	key("event_data");
	raw("{");
	nkeys = 0;
	data(k, ts);
	raw("}}}\n");
}

static unsigned long long parse_size(const char *s)
{
	char *e;
	unsigned long long v = strtoull(s, &e, 10);
	switch (*e) {
	case 'G': v <<= 30; break;
	case 'M': v <<= 20; break;
	case 'K': v <<= 10; break;
	default: break;
	}
	return v;
}

int main(int argc, char **argv)
{
	int ecs = 0;
	unsigned long long size = 300ULL << 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--form") && i + 1 < argc) {
			ecs = !strcmp(argv[++i], "ecs");
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			size = parse_size(argv[++i]);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			rng ^= strtoull(argv[++i], NULL, 10) *
			       0x9E3779B97F4A7C15ULL;
		} else {
			fputs("usage: gen_winevents [--form evtx|ecs] [--size "
			      "BYTES[K|M|G]] [--seed N]\n",
			      stderr);
			return 2;
		}
	}
	unsigned long long rec = 100000;
	long long t = 1709251200; /* 2024-03-01T00:00:00Z */
	while (written < size) {
		const struct kind *k = pick_kind();
		unsigned host = rnd(40);
		t += rnd(3);
		unsigned ms = rnd(1000);
		long long d = t % 86400;
		char ts[40], iso[48];
		snprintf(ts, sizeof(ts),
		         "2024-03-%02lld %02lld:%02lld:%02lld.%03u",
		         1 + (t - 1709251200) / 86400 % 28, d / 3600,
		         d / 60 % 60, d % 60, ms);
		snprintf(iso, sizeof(iso),
		         "2024-03-%02lldT%02lld:%02lld:%02lld.%03u000Z",
		         1 + (t - 1709251200) / 86400 % 28, d / 3600,
		         d / 60 % 60, d % 60, ms);
		if (ecs)
			event_ecs(k, ++rec, ts, iso, host);
		else
			event_evtx(k, ++rec, ts, iso, host);
	}
	flush();
	return 0;
}
