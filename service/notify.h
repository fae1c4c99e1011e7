/* notify.h - retirement notifications: every event is a log line, and
 * with retire.webhook_url also a JSON POST, delivered by a thread of its
 * own with retries and backoff, so a dead webhook never delays execution.
 * Only http:// URLs are supported (put a TLS proxy in front otherwise). */
#ifndef LL_NOTIFY_H
#define LL_NOTIFY_H

#include <stdbool.h>

#include "config.h"
#include "store.h"

struct notifier;

struct notifier *notifier_new(const char *webhook_url);
void notifier_free(struct notifier *n); /* drains for at most a few seconds */
/* Queues one event (JSON object text). Never blocks on the network. */
void notifier_send(struct notifier *n, const char *event_json);
/* Checks the plans for events not yet announced (lead times, execution,
 * violations, pending steps past 24 h) and sends each once. */
void notifier_scan(struct notifier *n, struct store *s);

#endif
