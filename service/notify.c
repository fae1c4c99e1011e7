/* notify.c - see notify.h. */
#include "notify.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "lltime.h"

#define NOTIFY_MAX_TRIES 8
#define NOTIFY_QUEUE_MAX 1000

struct event_item {
	char *json;
	int tries;
	ll_time next_try;
	struct event_item *next;
};

struct notifier {
	char host[256], port[8], path[512];
	bool webhook;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct event_item *head;
	size_t queued;
	bool stop;
};

static void log_event(const char *json)
{
	char ts[LL_TIME_RFC3339_LEN];

	fprintf(stderr, "ts=%s level=info msg=\"retirement event\" event=%s\n",
		ll_time_format_rfc3339(ll_now(), ts), json);
}

/* One POST with 5-second timeouts; true on a 2xx answer. */
static bool post(struct notifier *n, const char *body)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct timeval tv = {5, 0};
	char req[8192], resp[64];
	int fd = -1, len;
	bool ok = false;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(n->host, n->port, &hints, &ai) != 0)
		return false;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		goto out;
	len = snprintf(req, sizeof(req),
		       "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		       "User-Agent: lastleaf\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       n->path, n->host, strlen(body), body);
	if (len <= 0 || (size_t)len >= sizeof(req) || send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		goto out;
	len = (int)recv(fd, resp, sizeof(resp) - 1, 0);
	if (len > 12) {
		resp[len] = '\0';
		ok = strncmp(resp, "HTTP/1.", 7) == 0 && resp[9] == '2';
	}
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ok;
}

static void *deliver(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->mu);
	while (!n->stop || n->head) {
		struct event_item *e = n->head;
		struct timespec ts;

		if (!e) {
			pthread_cond_wait(&n->cv, &n->mu);
			continue;
		}
		if (e->next_try > ll_now() && !n->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
			continue;
		}
		n->head = e->next;
		n->queued--;
		pthread_mutex_unlock(&n->mu);
		if (post(n, e->json) || n->stop || ++e->tries >= NOTIFY_MAX_TRIES) {
			if (e->tries >= NOTIFY_MAX_TRIES)
				fprintf(stderr, "level=warn msg=\"webhook gave up after %d tries\"\n", e->tries);
			free(e->json);
			free(e);
			pthread_mutex_lock(&n->mu);
			continue;
		}
		/* back off 2, 4, 8 ... seconds, at most 5 minutes */
		e->next_try = ll_now() + (1LL << (e->tries < 8 ? e->tries : 8));
		pthread_mutex_lock(&n->mu);
		e->next = NULL;
		if (!n->head) {
			n->head = e;
		} else {
			struct event_item *t = n->head;
			while (t->next)
				t = t->next;
			t->next = e;
		}
		n->queued++;
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

struct notifier *notifier_new(const char *url)
{
	struct notifier *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (url && strncmp(url, "http://", 7) == 0) {
		const char *h = url + 7, *slash = strchr(h, '/'), *colon;
		size_t hl = slash ? (size_t)(slash - h) : strlen(h);

		snprintf(n->path, sizeof(n->path), "%s", slash ? slash : "/");
		colon = memchr(h, ':', hl);
		if (colon) {
			snprintf(n->host, sizeof(n->host), "%.*s", (int)(colon - h), h);
			snprintf(n->port, sizeof(n->port), "%.*s", (int)(hl - (size_t)(colon - h) - 1), colon + 1);
		} else {
			snprintf(n->host, sizeof(n->host), "%.*s", (int)hl, h);
			snprintf(n->port, sizeof(n->port), "80");
		}
		n->webhook = pthread_create(&n->thread, NULL, deliver, n) == 0;
	} else if (url) {
		fprintf(stderr, "level=warn msg=\"retire.webhook_url must be http:// (events are only logged)\"\n");
	}
	return n;
}

void notifier_free(struct notifier *n)
{
	if (!n)
		return;
	if (n->webhook) {
		pthread_mutex_lock(&n->mu);
		n->stop = true;
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
	}
	while (n->head) {
		struct event_item *e = n->head;
		n->head = e->next;
		free(e->json);
		free(e);
	}
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cv);
	free(n);
}

void notifier_send(struct notifier *n, const char *json)
{
	struct event_item *e;

	log_event(json);
	if (!n || !n->webhook)
		return;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->json = strdup(json))) {
		free(e);
		return;
	}
	pthread_mutex_lock(&n->mu);
	if (n->queued >= NOTIFY_QUEUE_MAX) {
		pthread_mutex_unlock(&n->mu);
		free(e->json);
		free(e);
		return;
	}
	if (!n->head) {
		n->head = e;
	} else {
		struct event_item *t = n->head;
		while (t->next)
			t = t->next;
		t->next = e;
	}
	n->queued++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

void notifier_scan(struct notifier *n, struct store *s)
{
	char nb[LL_TIME_RFC3339_LEN];
	const char *p[1] = {ll_time_format_rfc3339(ll_now(), nb)};
	struct ll_err err;
	PGresult *r;
	int i;

	/* each (plan, kind) is claimed by exactly one process */
	r = store_query(s,
		"WITH ev AS ("
		" SELECT p.id, k.kind FROM retire_plan p CROSS JOIN (VALUES ('lead_30d', 30), ('lead_7d', 7),"
		"  ('lead_1d', 1)) AS k(kind, days)"
		"  WHERE p.state IN ('planned', 'due') AND p.due_at - make_interval(days => k.days) <= $1::timestamptz"
		" UNION ALL SELECT id, 'executed' FROM retire_plan WHERE state = 'executed'"
		" UNION ALL SELECT id, 'violation_' || violations FROM retire_plan WHERE violations > 0"
		"  AND state <> 'cancelled'"
		" UNION ALL SELECT id, 'steps_overdue' FROM retire_plan WHERE state = 'executed'"
		"  AND cardinality(steps_pending) > 0 AND executed_at < $1::timestamptz - interval '24 hours'),"
		" ins AS (INSERT INTO retire_notice (plan_id, kind) SELECT id, kind FROM ev"
		"  ON CONFLICT DO NOTHING RETURNING plan_id, kind)"
		" SELECT ins.kind, encode(c.sha256, 'hex'), coalesce(k.name, ''), p.state,"
		"  to_char(p.due_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.live_dependents, p.violations,"
		"  array_to_string(p.steps_pending, ',')"
		" FROM ins JOIN retire_plan p ON p.id = ins.plan_id JOIN ca_cert c ON c.id = p.ca_cert_id"
		" JOIN ca_key k ON k.id = c.key_id ORDER BY p.id",
		1, p, &err);
	if (!r) {
		fprintf(stderr, "level=warn msg=\"notification scan failed: %s\"\n", err.msg);
		return;
	}
	for (i = 0; i < PQntuples(r); i++) {
		struct json_out j;

		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "event", PQgetvalue(r, i, 0));
		json_kv_str(&j, "ca_cert", PQgetvalue(r, i, 1));
		json_kv_str(&j, "ca", PQgetvalue(r, i, 2));
		json_kv_str(&j, "state", PQgetvalue(r, i, 3));
		json_kv_str(&j, "due_at", PQgetvalue(r, i, 4));
		json_kv_int(&j, "live_dependents", atoll(PQgetvalue(r, i, 5)));
		json_kv_int(&j, "violations", atoll(PQgetvalue(r, i, 6)));
		json_kv_str(&j, "steps_pending", PQgetvalue(r, i, 7));
		json_kv_str(&j, "at", nb);
		json_obj_end(&j);
		notifier_send(n, json_str(&j));
		json_free(&j);
	}
	PQclear(r);
}
