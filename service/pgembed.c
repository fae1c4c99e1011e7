/* pgembed.c - see pgembed.h. Every child runs through fork/execv with an
 * argument vector (no shell), so odd directory names cannot inject. */
#include "pgembed.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PGEMBED_USER "lastleaf"
#define PGEMBED_DB "lastleaf"

/* Finds initdb/pg_ctl: LASTLEAF_PG_BINDIR, else the newest
 * /usr/lib/postgresql/N/bin (preferring 15, the supported version). */
static bool find_bindir(char *out, size_t len, struct ll_err *err)
{
	const char *env = getenv("LASTLEAF_PG_BINDIR");
	glob_t g;
	size_t i;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return true;
	}
	if (access("/usr/lib/postgresql/15/bin/pg_ctl", X_OK) == 0) {
		snprintf(out, len, "/usr/lib/postgresql/15/bin");
		return true;
	}
	if (glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		i = g.gl_pathc - 1;
		snprintf(out, len, "%.*s", (int)(strlen(g.gl_pathv[i]) - strlen("/pg_ctl")),
			 g.gl_pathv[i]);
		globfree(&g);
		return true;
	}
	return ll_err_set(err, "embedded database: PostgreSQL server binaries not found "
			       "(install postgresql-15, or set LASTLEAF_PG_BINDIR, or point "
			       "database.url at a server)");
}

/* Runs argv, as the postgres user when we are root. Output goes to logpath
 * (appended) so a failure can be shown. Returns the exit status or -1. */
static int run(char *const argv[], const char *logpath)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		char *rargv[32];
		int i, n = 0;

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (geteuid() == 0) {
			rargv[n++] = "runuser";
			rargv[n++] = "-u";
			rargv[n++] = "postgres";
			rargv[n++] = "--";
		}
		for (i = 0; argv[i] && n < 31; i++)
			rargv[n++] = argv[i];
		rargv[n] = NULL;
		execvp(rargv[0], rargv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void tail_log(const char *logpath, struct ll_err *err, const char *what)
{
	char buf[600] = "";
	FILE *f = fopen(logpath, "r");

	if (f) {
		long sz;

		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		fseek(f, sz > 500 ? sz - 500 : 0, SEEK_SET);
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
	}
	ll_err_set(err, "embedded database: %s failed (see %s): %s", what, logpath, buf);
}

/* Absolute path of dir, creating it (mode 0700) if needed. */
static bool absdir(const char *dir, char *out, size_t len, struct ll_err *err)
{
	char tmp[PATH_MAX];

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		/* create parents (./var) once */
		snprintf(tmp, sizeof(tmp), "%s", dir);
		char *slash = strrchr(tmp, '/');
		if (slash && slash != tmp) {
			*slash = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return ll_err_set(err, "embedded database: cannot create %s: %s",
						  tmp, strerror(errno));
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return ll_err_set(err, "embedded database: cannot create %s: %s", dir,
					  strerror(errno));
	}
	if (!realpath(dir, tmp))
		return ll_err_set(err, "embedded database: %s: %s", dir, strerror(errno));
	if (strlen(tmp) + sizeof("/.s.PGSQL.5432") > 100)
		return ll_err_set(err, "embedded database: path %s is too long for a unix socket; "
				       "set a shorter database.embedded.dir", tmp);
	snprintf(out, len, "%s", tmp);
	return true;
}

static bool chown_postgres(const char *dir, struct ll_err *err)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return true;
	pw = getpwnam("postgres");
	if (!pw)
		return ll_err_set(err, "embedded database: running as root needs a 'postgres' "
				       "user to own the cluster (PostgreSQL refuses to run as root)");
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		return ll_err_set(err, "embedded database: chown %s: %s", dir, strerror(errno));
	return true;
}

#define PGEMBED_ROOT_HOME "/var/lib/lastleaf/embedded"

static bool relocate(char *dir, size_t dirlen, char *logp, size_t loglen, struct ll_err *err)
{
	char target[PATH_MAX], hex[20];
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = dir; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	if (mkdir("/var/lib/lastleaf", 0755) < 0 && errno != EEXIST)
		return ll_err_set(err, "embedded database: mkdir /var/lib/lastleaf: %s", strerror(errno));
	if (mkdir(PGEMBED_ROOT_HOME, 0755) < 0 && errno != EEXIST)
		return ll_err_set(err, "embedded database: mkdir %s: %s", PGEMBED_ROOT_HOME,
				  strerror(errno));
	snprintf(target, sizeof(target), "%s/%s", PGEMBED_ROOT_HOME, hex);
	if (mkdir(target, 0700) < 0 && errno != EEXIST)
		return ll_err_set(err, "embedded database: mkdir %s: %s", target, strerror(errno));
	if (!chown_postgres(target, err))
		return false;
	if (rmdir(dir) < 0)
		return ll_err_set(err, "embedded database: %s is not reachable by the postgres user "
				       "and not empty; set database.embedded.dir elsewhere", dir);
	if (symlink(target, dir) < 0)
		return ll_err_set(err, "embedded database: symlink %s: %s", dir, strerror(errno));
	fprintf(stderr, "lastleaf: note: %s is private to root, so the embedded cluster lives in %s "
			"(linked from there)\n", dir, target);
	snprintf(dir, dirlen, "%s", target);
	snprintf(logp, loglen, "%s.log", target);
	{
		int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		struct passwd *pw = getpwnam("postgres");
		if (fd >= 0) {
			if (pw && fchown(fd, pw->pw_uid, pw->pw_gid) < 0) {
				/* best effort, as above */
			}
			close(fd);
		}
	}
	return true;
}

int pgembed_status(const char *dir_in)
{
	char path[PATH_MAX], bindir[PATH_MAX], pgctl[PATH_MAX + 16], logp[PATH_MAX + 16];
	char dir[PATH_MAX];
	struct ll_err err;
	char *argv[6];

	/* the postgres user may not be able to follow a private path */
	if (!realpath(dir_in, dir))
		return -1;
	snprintf(path, sizeof(path), "%s/PG_VERSION", dir);
	if (access(path, F_OK) < 0)
		return -1;
	if (!find_bindir(bindir, sizeof(bindir), &err))
		return -1;
	snprintf(pgctl, sizeof(pgctl), "%s/pg_ctl", bindir);
	snprintf(logp, sizeof(logp), "%s.status.log", dir);
	argv[0] = pgctl;
	argv[1] = "status";
	argv[2] = "-D";
	argv[3] = (char *)dir;
	argv[4] = NULL;
	return run(argv, "/dev/null") == 0 ? 1 : 0;
}

static bool ensure_database(const char *conninfo_admin, struct ll_err *err)
{
	PGconn *c = PQconnectdb(conninfo_admin);
	PGresult *r = NULL;
	bool ok = false;

	if (PQstatus(c) != CONNECTION_OK) {
		ll_err_set(err, "embedded database: connect: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = '" PGEMBED_DB "'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		ll_err_set(err, "embedded database: %s", PQerrorMessage(c));
		goto out;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		r = PQexec(c, "CREATE DATABASE " PGEMBED_DB);
		/* a concurrent process may have won the race: that is fine */
		if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    !strstr(PQerrorMessage(c), "already exists")) {
			ll_err_set(err, "embedded database: create database: %s", PQerrorMessage(c));
			goto out;
		}
	}
	ok = true;
out:
	PQclear(r);
	PQfinish(c);
	return ok;
}

bool pgembed_ensure(const char *dir_in, char *conninfo, size_t len, struct ll_err *err)
{
	char dir[PATH_MAX], bindir[PATH_MAX], path[PATH_MAX + 32], logp[PATH_MAX + 32];
	char tool[PATH_MAX + 16], opts[PATH_MAX + 64], admin[PATH_MAX + 64];
	char *argv[16];
	int lockfd = -1;
	bool ok = false;

	if (!find_bindir(bindir, sizeof(bindir), err) || !absdir(dir_in, dir, sizeof(dir), err))
		return false;
	/* Serialise initdb/start between concurrent lastleaf processes. */
	snprintf(path, sizeof(path), "%s.lock", dir);
	lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
		ll_err_set(err, "embedded database: lock %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(logp, sizeof(logp), "%s/../pg.log", dir);
	if (realpath(dir, path)) {
		char *slash = strrchr(path, '/');
		if (slash)
			*slash = '\0';
		snprintf(logp, sizeof(logp), "%s/pg.log", path);
	}
	if (geteuid() == 0) {
		/* the log is written by the postgres user */
		int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		struct passwd *pw = getpwnam("postgres");
		if (fd >= 0) {
			if (pw && fchown(fd, pw->pw_uid, pw->pw_gid) < 0) {
				/* best effort; initdb output may then be lost */
			}
			close(fd);
		}
	}
	snprintf(path, sizeof(path), "%s/PG_VERSION", dir);
	if (access(path, F_OK) < 0) {
		if (!chown_postgres(dir, err))
			goto out;
		if (geteuid() == 0 && run((char *[]){"test", "-w", dir, NULL}, "/dev/null") != 0) {
			/* A private parent (a checkout under /root, a mktemp dir):
			 * keep the cluster where postgres can reach it and leave a
			 * symlink at the configured place, so the data survives
			 * restarts exactly as if it were there. */
			if (!relocate(dir, sizeof(dir), logp, sizeof(logp), err))
				goto out;
		}
		snprintf(tool, sizeof(tool), "%s/initdb", bindir);
		argv[0] = tool;
		argv[1] = "-D";
		argv[2] = dir;
		argv[3] = "-U";
		argv[4] = PGEMBED_USER;
		argv[5] = "--auth=trust";
		argv[6] = "-E";
		argv[7] = "UTF8";
		argv[8] = "--no-locale";
		argv[9] = "--no-instructions";
		argv[10] = NULL;
		if (run(argv, logp) != 0) {
			tail_log(logp, err, "initdb");
			goto out;
		}
	}
	if (pgembed_status(dir) != 1) {
		snprintf(tool, sizeof(tool), "%s/pg_ctl", bindir);
		snprintf(opts, sizeof(opts), "-c listen_addresses='' -k %s", dir);
		argv[0] = tool;
		argv[1] = "start";
		argv[2] = "-w";
		argv[3] = "-t";
		argv[4] = "60";
		argv[5] = "-D";
		argv[6] = dir;
		argv[7] = "-l";
		argv[8] = logp;
		argv[9] = "-o";
		argv[10] = opts;
		argv[11] = NULL;
		if (run(argv, logp) != 0) {
			tail_log(logp, err, "pg_ctl start");
			goto out;
		}
	}
	snprintf(admin, sizeof(admin), "host=%s port=5432 user=%s dbname=postgres", dir,
		 PGEMBED_USER);
	if (!ensure_database(admin, err))
		goto out;
	snprintf(conninfo, len, "host=%s port=5432 user=%s dbname=%s", dir, PGEMBED_USER,
		 PGEMBED_DB);
	ok = true;
out:
	if (lockfd >= 0)
		close(lockfd);
	return ok;
}

bool pgembed_stop(const char *dir_in, struct ll_err *err)
{
	char dir[PATH_MAX], bindir[PATH_MAX], tool[PATH_MAX + 16];
	char *argv[8];

	if (!realpath(dir_in, dir))
		return ll_err_set(err, "embedded database: %s: %s", dir_in, strerror(errno));
	if (pgembed_status(dir) != 1)
		return true;
	if (!find_bindir(bindir, sizeof(bindir), err))
		return false;
	snprintf(tool, sizeof(tool), "%s/pg_ctl", bindir);
	argv[0] = tool;
	argv[1] = "stop";
	argv[2] = "-w";
	argv[3] = "-m";
	argv[4] = "fast";
	argv[5] = "-D";
	argv[6] = dir;
	argv[7] = NULL;
	if (run(argv, "/dev/null") != 0)
		return ll_err_set(err, "embedded database: pg_ctl stop failed for %s", dir);
	return true;
}
