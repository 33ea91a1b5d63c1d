/*
 * mailbox.c: the open folder as the message list sees it.
 *
 * Opening selects the folder and asks the server for the order of its
 * messages (UID SORT, UID THREAD, or UID SEARCH for arrival order) and
 * nothing else: a 100,000-message folder costs one UID (4 bytes) a row,
 * 12 bytes a row when threaded. Envelopes come only for the rows the
 * caller asks for, from the header cache first and then in one FETCH from
 * the server, and are kept in a tree by UID, so that a new order keeps
 * them. The cache's UIDVALIDITY is checked at open; with CONDSTORE its
 * flags are brought up to date from HIGHESTMODSEQ, without CONDSTORE the
 * cache cannot know about flag changes made elsewhere and serves nothing
 * (it is still written). The order itself is kept in the cache too,
 * under the state SELECT reported, so that a folder opened again without
 * changes needs no UID SORT: on 100,000 messages Dovecot's sort alone
 * takes about 100 ms. What the session does itself (a move, an expunge,
 * a STORE on many messages) and new mail in arrival order change the
 * order in place (mailbox_remove_uids(), mailbox_note_flags(), the new
 * UIDs from UIDNEXT on), and the order is stored again under the new
 * state; flag changes are asked for from the MODSEQ last seen.
 *
 * One mailbox per IMAP session: it assumes its folder stays selected.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "util/log.h"

/* Envelopes asked of the cache or the server at a time. */
#define MAILBOX_BATCH 500

struct mailbox {
	struct imap_conn *imap;	 /* borrowed */
	struct cache *cache;	 /* borrowed; NULL: no cache */
	char *folder;		 /* owned */
	struct mailbox_opts opts;
	struct imap_mailbox_info info;
	int trust_cache;	/* cached flags are current (CONDSTORE) */
	int state_known;	/* info is still the folder's state */
	uint32_t *uids;		/* owned: the UID of each row; NULL threaded */
	struct imap_thread_row *thread; /* owned: rows when threaded */
	size_t n;		/* rows */
	void *envs;		/* tsearch() tree of owned imap_envelope */
	unsigned own_expunged;	/* EXPUNGEs of our own, not yet noticed */
	enum imap_sort_key key;	/* the key the order was made with */
	int threaded;		/* the order is UID THREAD's */
	int preview;		/* from the cache alone, before SELECT */
};

/* One flag change, for the cache. */
struct mailbox_change {
	uint32_t uid, flags;
};

/* A growing list of flag changes. */
struct mailbox_changes {
	struct mailbox_change *c; /* owned */
	size_t n, alloc;
};

static int
mailbox_env_cmp(const void *a, const void *b)
{
	const struct imap_envelope *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Orders UIDs for qsort() and bsearch(). */
static int
mailbox_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
mailbox_env_free(void *p)
{
	imap_envelope_clear(p);
	free(p);
}

/* The envelope of uid, or NULL when it has not been fetched. */
static struct imap_envelope *
mailbox_env(const struct mailbox *m, uint32_t uid)
{
	struct imap_envelope key = { .uid = uid };
	void *hit = tfind(&key, &m->envs, mailbox_env_cmp);

	return hit ? *(struct imap_envelope **)hit : NULL;
}

/* Takes e (its strings move into the tree); e is zeroed. */
static void
mailbox_env_add(struct mailbox *m, struct imap_envelope *e)
{
	struct imap_envelope *copy, **slot;

	copy = malloc(sizeof(*copy));
	if (!copy)
		fatal("out of memory");
	*copy = *e;
	memset(e, 0, sizeof(*e));
	slot = tsearch(copy, &m->envs, mailbox_env_cmp);
	if (!slot)
		fatal("out of memory");
	if (*slot != copy) {
		/* Already there: the newer envelope wins. */
		imap_envelope_clear(*slot);
		**slot = *copy;
		free(copy);
	}
}

static void
mailbox_env_drop(struct mailbox *m, uint32_t uid)
{
	struct imap_envelope *e = mailbox_env(m, uid);

	if (!e)
		return;
	tdelete(e, &m->envs, mailbox_env_cmp);
	mailbox_env_free(e);
}

/* The UID of row i. */
static uint32_t
mailbox_uid(const struct mailbox *m, size_t i)
{
	return m->thread ? m->thread[i].uid : m->uids[i];
}

/* Stops using a cache that failed; reading mail goes on without it. */
static void
mailbox_cache_failed(struct mailbox *m)
{
	log_warn("header cache off: %s", err_msg());
	m->cache = NULL;
	m->trust_cache = 0;
}

static void
mailbox_change_add(uint32_t uid, uint32_t flags, void *arg)
{
	struct mailbox_changes *ch = arg;

	if (ch->n == ch->alloc) {
		ch->alloc = ch->alloc ? ch->alloc * 2 : 64;
		ch->c = realloc(ch->c, ch->alloc * sizeof(*ch->c));
		if (!ch->c)
			fatal("out of memory");
	}
	ch->c[ch->n].uid = uid;
	ch->c[ch->n].flags = flags;
	ch->n++;
}

/*
 * Writes flag changes into the cache, MAILBOX_BATCH rows a transaction:
 * the rows it has are read, changed and stored again.
 */
static int
mailbox_cache_flags(struct mailbox *m, const struct mailbox_changes *ch)
{
	struct imap_envelope *e = NULL;
	unsigned char *found = NULL;
	uint32_t *uids = NULL;
	size_t i, j, k;
	int rc = -1;

	if (!m->cache || !ch->n)
		return 0;
	e = calloc(MAILBOX_BATCH, sizeof(*e));
	found = malloc(MAILBOX_BATCH);
	uids = malloc(MAILBOX_BATCH * sizeof(*uids));
	if (!e || !found || !uids)
		fatal("out of memory");
	for (i = 0; i < ch->n; i += k) {
		k = ch->n - i < MAILBOX_BATCH ? ch->n - i : MAILBOX_BATCH;
		for (j = 0; j < k; j++)
			uids[j] = ch->c[i + j].uid;
		if (cache_get_envelopes(m->cache, m->folder, uids, k, e,
					found) < 0)
			goto out;
		for (j = 0; j < k; j++)
			e[j].flags = ch->c[i + j].flags;
		rc = cache_put_envelopes(m->cache, m->folder, e, k);
		for (j = 0; j < k; j++)
			imap_envelope_clear(&e[j]);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(e);
	free(found);
	free(uids);
	return rc;
}

/*
 * Checks the cache against the folder just selected: a new UIDVALIDITY
 * drops it; with CONDSTORE the flags that changed since the cache's
 * MODSEQ are fetched and stored, and the cache is trusted.
 */
static int
mailbox_cache_sync(struct mailbox *m)
{
	struct mailbox_changes ch = { 0 };
	uint64_t cached;
	int rc = -1;

	if (!m->cache)
		return 0;
	if (cache_folder_check(m->cache, m->folder, m->info.uidvalidity,
			       &cached) < 0) {
		mailbox_cache_failed(m);
		return 0;
	}
	if (!m->info.highestmodseq)
		return 0;
	if (cached && cached < m->info.highestmodseq) {
		if (imap_fetch_flags(m->imap, cached, mailbox_change_add,
				     &ch) < 0)
			goto out;
		if (mailbox_cache_flags(m, &ch) < 0) {
			mailbox_cache_failed(m);
			rc = 0;
			goto out;
		}
	}
	if (cached != m->info.highestmodseq &&
	    cache_folder_set_modseq(m->cache, m->folder,
				    m->info.highestmodseq) < 0) {
		mailbox_cache_failed(m);
		rc = 0;
		goto out;
	}
	m->trust_cache = 1;
	rc = 0;
out:
	free(ch.c);
	return rc;
}

/*
 * Reverses the order of whole threads (a root and the rows below it), so
 * that the newest thread comes first.
 */
static void
mailbox_threads_reverse(struct imap_thread_row *rows, size_t n)
{
	struct imap_thread_row *tmp;
	size_t i, len, at = n;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		fatal("out of memory");
	for (i = 0; i < n; i += len) {
		len = (size_t)rows[i].children + 1;
		if (len > n - i)
			len = n - i;
		at -= len;
		memcpy(tmp + at, rows + i, len * sizeof(*rows));
	}
	memcpy(rows, tmp, n * sizeof(*rows));
	free(tmp);
}

/* Names the way o orders rows, for the cached orders: "date reverse all". */
static void
mailbox_how(const struct mailbox_opts *o, int threaded, enum imap_sort_key key,
	    char *how, size_t size)
{
	static const char *const keys[] = {
		[IMAP_SORT_ARRIVAL] = "arrival", [IMAP_SORT_DATE] = "date",
		[IMAP_SORT_FROM] = "from",	 [IMAP_SORT_SUBJECT] = "subject",
		[IMAP_SORT_SIZE] = "size",	 [IMAP_SORT_TO] = "to",
	};
	static const char *const limits[] = {
		[IMAP_LIMIT_ALL] = "all",
		[IMAP_LIMIT_UNSEEN] = "unseen",
		[IMAP_LIMIT_FLAGGED] = "flagged",
	};

	snprintf(how, size, "%s%s %s",
		 threaded ? "thread" : keys[key], o->reverse ? " reverse" : "",
		 limits[o->limit]);
}

/*
 * The folder state under which an order o made is stored and looked up,
 * in *state; returns 0 when the order must not be cached. An order of
 * every message depends only on which messages there are (the same
 * UIDNEXT and EXISTS: none came, so none went), one of unseen or flagged
 * messages on their flags too (the same HIGHESTMODSEQ).
 */
static int
mailbox_order_state(const struct mailbox *m, const struct mailbox_opts *o,
		    struct imap_mailbox_info *state)
{
	*state = m->info;
	if (o->limit == IMAP_LIMIT_ALL)
		state->highestmodseq = 0;
	return m->cache && m->state_known && m->info.uidnext &&
	       (o->limit == IMAP_LIMIT_ALL || m->info.highestmodseq);
}

/*
 * Takes an order from the cache when it holds one for the folder's state:
 * into *uids or *rows (as threaded says), *n rows. Returns 1 when it did.
 */
static int
mailbox_order_cached(struct mailbox *m, const char *how,
		     const struct imap_mailbox_info *state, int threaded,
		     uint32_t **uids, struct imap_thread_row **rows, size_t *n)
{
	size_t len, each = threaded ? sizeof(**rows) : sizeof(**uids);
	void *data;
	int r;

	r = cache_order_get(m->cache, m->folder, how, state, &data, &len);
	if (r < 0)
		mailbox_cache_failed(m);
	if (r <= 0)
		return 0;
	if (len % each) {
		free(data);
		return 0;
	}
	if (threaded)
		*rows = data;
	else
		*uids = data;
	*n = len / each;
	log_debug("mailbox: order of '%s' (%s) from the cache", m->folder,
		  how);
	return 1;
}

/*
 * Stores the current order in the cache under the folder's state, after
 * it changed in place (rows removed, new mail added); when the state is
 * not known well enough the cache just keeps no order for it.
 */
static void
mailbox_order_store(struct mailbox *m)
{
	struct imap_mailbox_info state;
	int threaded = m->threaded;
	char how[64];

	/* A limited order depends on flags, which move on without it. */
	if (m->opts.limit != IMAP_LIMIT_ALL ||
	    !mailbox_order_state(m, &m->opts, &state))
		return;
	mailbox_how(&m->opts, threaded, m->key, how, sizeof(how));
	if (cache_order_put(m->cache, m->folder, how, &state,
			    threaded ? (void *)m->thread : (void *)m->uids,
			    m->n * (threaded ? sizeof(*m->thread)
					     : sizeof(*m->uids))) < 0)
		mailbox_cache_failed(m);
}

/* The highest UID among the rows, 0 for none. */
static uint32_t
mailbox_max_uid(const struct mailbox *m)
{
	uint32_t max = 0, u;
	size_t i;

	for (i = 0; i < m->n; i++) {
		u = mailbox_uid(m, i);
		if (u > max)
			max = u;
	}
	return max;
}

/*
 * Asks the server for the order o describes, or takes it from the cache
 * when the folder has not changed since it was stored there, and puts it
 * in place of the current one (which stays when this fails). Threads need
 * THREAD=REFERENCES and sorting other than by arrival needs SORT; without
 * them the order falls back to arrival.
 */
static int
mailbox_order(struct mailbox *m, const struct mailbox_opts *o)
{
	struct imap_thread_row *rows = NULL;
	struct imap_mailbox_info state;
	enum imap_sort_key key = o->sort;
	uint32_t *uids = NULL;
	size_t n = 0;
	int threaded, cacheable;
	char how[64];

	threaded = o->threaded &&
		   imap_has_capability(m->imap, "THREAD=REFERENCES");
	if (!threaded && key != IMAP_SORT_ARRIVAL &&
	    !imap_has_capability(m->imap, "SORT")) {
		log_debug("mailbox: no SORT, arrival order instead");
		key = IMAP_SORT_ARRIVAL;
	}
	mailbox_how(o, threaded, key, how, sizeof(how));
	cacheable = mailbox_order_state(m, o, &state);
	if (cacheable && mailbox_order_cached(m, how, &state, threaded, &uids,
					      &rows, &n))
		goto done;
	if (threaded) {
		if (imap_thread(m->imap, o->limit, &rows, &n) < 0)
			return -1;
		if (o->reverse)
			mailbox_threads_reverse(rows, n);
	} else if (imap_sort(m->imap, key, o->reverse, o->limit, &uids, &n) <
		   0) {
		return -1;
	}
	if (cacheable && m->cache &&
	    cache_order_put(m->cache, m->folder, how, &state,
			    threaded ? (void *)rows : (void *)uids,
			    n * (threaded ? sizeof(*rows) : sizeof(*uids))) <
		    0)
		mailbox_cache_failed(m);
done:
	free(m->uids);
	free(m->thread);
	m->uids = uids;
	m->thread = rows;
	m->n = n;
	m->opts = *o;
	m->key = key;
	m->threaded = threaded;
	return 0;
}

/*
 * Opens folder (its server name) on c: SELECT, the cache check, the
 * order. k may be NULL (no cache); both stay the caller's and must
 * outlive the mailbox. On success *out is the caller's, closed with
 * mailbox_close().
 */
int
mailbox_open(struct mailbox **out, struct imap_conn *c, struct cache *k,
	     const char *folder, const struct mailbox_opts *o)
{
	struct mailbox *m;
	int rc = -1;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->folder = strdup(folder)))
		fatal("out of memory");
	m->imap = c;
	m->cache = k;
	if (imap_select(c, folder, 0, &m->info) < 0)
		goto out;
	m->state_known = 1;
	if (
	    mailbox_cache_sync(m) < 0 || mailbox_order(m, o) < 0)
		goto out;
	*out = m;
	m = NULL;
	rc = 0;
out:
	mailbox_close(m);
	return rc;
}

/*
 * The folder as the cache last saw it, for a first screen drawn while the
 * server still works on SELECT (Dovecot reads its whole index of a large
 * Maildir then: tens of milliseconds on 100,000 messages). The rows are
 * the order stored for o and the envelopes cached for them; nothing is
 * asked of the server, and the caller replaces it with mailbox_open()'s
 * (which checks every bit of it) before anything else is done with it.
 * Returns 0, or -1 when the cache holds no such order (no error set).
 */
int
mailbox_open_preview(struct mailbox **out, struct imap_conn *c,
		     struct cache *k, const char *folder,
		     const struct mailbox_opts *o)
{
	struct mailbox *m;
	int threaded = o->threaded &&
		       imap_has_capability(c, "THREAD=REFERENCES");
	void *data = NULL;
	size_t len = 0, each = threaded ? sizeof(*m->thread)
					: sizeof(*m->uids);
	char how[64];

	*out = NULL;
	if (!k || (!threaded && o->sort != IMAP_SORT_ARRIVAL &&
		   !imap_has_capability(c, "SORT")))
		return -1;
	mailbox_how(o, threaded, o->sort, how, sizeof(how));
	if (cache_order_get(k, folder, how, NULL, &data, &len) <= 0 ||
	    len == 0 || len % each) {
		free(data);
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->folder = strdup(folder)))
		fatal("out of memory");
	m->imap = c;
	m->cache = k;
	m->trust_cache = 1;
	m->preview = 1;
	if (threaded)
		m->thread = data;
	else
		m->uids = data;
	m->n = len / each;
	m->opts = *o;
	m->key = o->sort;
	m->threaded = threaded;
	*out = m;
	return 0;
}

/* Frees the mailbox (the session and cache stay open). NULL is fine. */
void
mailbox_close(struct mailbox *m)
{
	if (!m)
		return;
	tdestroy(m->envs, mailbox_env_free);
	free(m->uids);
	free(m->thread);
	free(m->folder);
	free(m);
}

/* The number of rows. */
size_t
mailbox_count(const struct mailbox *m)
{
	return m->n;
}

/* What SELECT said, with EXISTS kept up to date by mailbox_refresh(). */
const struct imap_mailbox_info *
mailbox_info(const struct mailbox *m)
{
	return &m->info;
}

/*
 * Makes sure rows first to first + count - 1 (clipped to the folder) have
 * their envelopes: those not in memory are looked up in the cache, the
 * rest fetched from the server in one command and stored in the cache.
 * The caller adds its own margin to count. Returns 0 or -1.
 */
int
mailbox_fetch(struct mailbox *m, size_t first, size_t count)
{
	struct imap_envelope *e = NULL;
	unsigned char *found = NULL;
	uint32_t *need = NULL, uid;
	size_t i, k = 0, left;
	int got, rc = -1;

	if (first >= m->n)
		return 0;
	if (count > m->n - first)
		count = m->n - first;
	need = malloc((count ? count : 1) * sizeof(*need));
	if (!need)
		fatal("out of memory");
	for (i = first; i < first + count; i++) {
		uid = mailbox_uid(m, i);
		if (uid && !mailbox_env(m, uid))
			need[k++] = uid;
	}
	if (!k) {
		rc = 0;
		goto out;
	}
	e = calloc(k, sizeof(*e));
	found = malloc(k);
	if (!e || !found)
		fatal("out of memory");
	if (m->cache && m->trust_cache) {
		if (cache_get_envelopes(m->cache, m->folder, need, k, e,
					found) < 0) {
			mailbox_cache_failed(m);
		} else {
			for (i = 0, left = 0; i < k; i++) {
				if (found[i])
					mailbox_env_add(m, &e[i]);
				else
					need[left++] = need[i];
			}
			k = left;
		}
	}
	/* A preview shows what the cache has; the rest waits for SELECT. */
	if (!k || m->preview) {
		rc = 0;
		goto out;
	}
	got = imap_fetch_envelopes(m->imap, need, k, e);
	if (got < 0)
		goto out;
	log_debug("mailbox: %d envelopes of '%s' from the server", got,
		  m->folder);
	if (got && m->cache &&
	    cache_put_envelopes(m->cache, m->folder, e, k) < 0)
		mailbox_cache_failed(m);
	for (i = 0; i < k; i++)
		if (e[i].uid)
			mailbox_env_add(m, &e[i]);
	rc = 0;
out:
	if (e)
		for (i = 0; i < k; i++)
			imap_envelope_clear(&e[i]);
	free(e);
	free(found);
	free(need);
	return rc;
}

/*
 * Fills *out with row i: its UID, thread depth and subtree size, and its
 * envelope (borrowed from the mailbox, valid until the next call that
 * changes the mailbox) or NULL while not fetched. Returns 0 or -1.
 */
int
mailbox_row(struct mailbox *m, size_t i, struct mailbox_row *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= m->n)
		return err_set("row %zu of '%s' does not exist", i, m->folder);
	out->uid = mailbox_uid(m, i);
	if (m->thread) {
		out->depth = m->thread[i].depth;
		out->children = m->thread[i].children;
	}
	out->env = mailbox_env(m, out->uid);
	return 0;
}

/*
 * Orders the rows anew (another key, reverse, threads, limit); fetched
 * envelopes stay. Returns 0, or -1 with the old order kept.
 */
int
mailbox_reorder(struct mailbox *m, const struct mailbox_opts *o)
{
	return mailbox_order(m, o);
}

/* For mailbox_refresh(): a flag change applied to memory and listed. */
struct mailbox_flag_pass {
	struct mailbox *m;
	struct mailbox_changes ch;
	int changed;
};

static void
mailbox_flag_seen(uint32_t uid, uint32_t flags, void *arg)
{
	struct mailbox_flag_pass *p = arg;
	struct imap_envelope *e = mailbox_env(p->m, uid);

	if (e && e->flags != flags) {
		e->flags = flags;
		p->changed = 1;
	}
	mailbox_change_add(uid, flags, &p->ch);
}

/*
 * Brings flags up to date: with CONDSTORE those changed since the MODSEQ
 * last seen (at open, then at each refresh: STATUS HIGHESTMODSEQ first,
 * so that what changes meanwhile is asked again next time, never lost),
 * without it a refetch of the rows in memory. The cache then holds the
 * flags as of that MODSEQ.
 */
static int
mailbox_refresh_flags(struct mailbox *m, int *changed)
{
	struct mailbox_flag_pass p = { .m = m };
	struct imap_envelope *e = NULL, *have;
	uint32_t *uids = NULL;
	uint64_t now = 0;
	size_t i, n = 0, j, k;
	int rc = -1;

	if (m->info.highestmodseq) {
		if (imap_status_modseq(m->imap, m->folder, &now) < 0) {
			if (imap_alive(m->imap) < 0)
				goto out;
			now = 0; /* refused: ask from the old MODSEQ again */
		}
		if (imap_fetch_flags(m->imap, m->info.highestmodseq,
				     mailbox_flag_seen, &p) < 0)
			goto out;
	} else {
		uids = malloc((m->n ? m->n : 1) * sizeof(*uids));
		if (!uids)
			fatal("out of memory");
		for (i = 0; i < m->n; i++)
			if (mailbox_env(m, mailbox_uid(m, i)))
				uids[n++] = mailbox_uid(m, i);
		e = calloc(MAILBOX_BATCH, sizeof(*e));
		if (!e)
			fatal("out of memory");
		for (i = 0; i < n; i += k) {
			k = n - i < MAILBOX_BATCH ? n - i : MAILBOX_BATCH;
			if (imap_fetch_envelopes(m->imap, uids + i, k, e) < 0)
				goto out;
			for (j = 0; j < k; j++) {
				have = e[j].uid ? mailbox_env(m, e[j].uid)
						: NULL;
				if (have && have->flags != e[j].flags)
					mailbox_flag_seen(e[j].uid, e[j].flags,
							  &p);
				imap_envelope_clear(&e[j]);
			}
		}
	}
	if (mailbox_cache_flags(m, &p.ch) < 0)
		mailbox_cache_failed(m);
	if (now > m->info.highestmodseq) {
		m->info.highestmodseq = now;
		if (m->cache && m->trust_cache &&
		    cache_folder_set_modseq(m->cache, m->folder, now) < 0)
			mailbox_cache_failed(m);
	}
	*changed |= p.changed;
	rc = 0;
out:
	free(p.ch.c);
	free(e);
	free(uids);
	return rc;
}

/*
 * Drops from memory and cache the envelopes of UIDs in old (the previous
 * order, n of them) that the new order no longer has. Only for listings
 * of every message: a limited one leaves messages out that still exist.
 */
static void
mailbox_forget_gone(struct mailbox *m, uint32_t *old, size_t n)
{
	uint32_t *now;
	size_t i, k = 0;

	now = malloc((m->n ? m->n : 1) * sizeof(*now));
	if (!now)
		fatal("out of memory");
	for (i = 0; i < m->n; i++)
		now[i] = mailbox_uid(m, i);
	qsort(now, m->n, sizeof(*now), mailbox_uid_cmp);
	for (i = 0; i < n; i++)
		if (!bsearch(&old[i], now, m->n, sizeof(*now),
			     mailbox_uid_cmp)) {
			mailbox_env_drop(m, old[i]);
			old[k++] = old[i];
		}
	if (k && m->cache && cache_forget(m->cache, m->folder, old, k) < 0)
		mailbox_cache_failed(m);
	free(now);
}

/*
 * New mail in an arrival order of every message: the new UIDs (UID
 * SEARCH from UIDNEXT on) go at the end, or at the top when reversed,
 * with no new order from the server. Returns 1 when done so, 0 when the
 * order must be made again, -1 on error.
 */
static int
mailbox_add_new(struct mailbox *m, uint32_t exists)
{
	uint32_t *got = NULL, *uids;
	size_t n = 0, k = 0, i, add;
	char crit[32];
	int rc = 0;

	if (m->threaded || m->key != IMAP_SORT_ARRIVAL ||
	    m->opts.limit != IMAP_LIMIT_ALL || !m->state_known ||
	    !m->info.uidnext || exists <= m->info.exists)
		return 0;
	add = exists - m->info.exists;
	snprintf(crit, sizeof(crit), "UID %u:*", m->info.uidnext);
	if (imap_search(m->imap, crit, &got, &n) < 0)
		return -1;
	/* "n:*" names the last message even when its UID is below n. */
	for (i = 0; i < n; i++)
		if (got[i] >= m->info.uidnext)
			got[k++] = got[i];
	if (k != add)
		goto out;
	uids = realloc(m->uids, (m->n + k) * sizeof(*uids));
	if (!uids)
		fatal("out of memory");
	if (m->opts.reverse) {
		memmove(uids + k, uids, m->n * sizeof(*uids));
		for (i = 0; i < k; i++)
			uids[i] = got[k - 1 - i];
	} else {
		memcpy(uids + m->n, got, k * sizeof(*uids));
	}
	m->uids = uids;
	m->n += k;
	m->info.uidnext = got[k - 1] + 1;
	m->info.exists = exists;
	mailbox_order_store(m);
	log_debug("mailbox: %zu new in '%s' added in place", k, m->folder);
	rc = 1;
out:
	free(got);
	return rc;
}

/*
 * Asks the server what changed (NOOP, which also reports what came
 * during IDLE): flag changes (CONDSTORE, or a refetch of the rows in
 * memory), and when messages came or went the new ones (in place for an
 * arrival order) or a new order, forgetting the envelopes of expunged
 * messages. EXPUNGEs that mailbox_remove_uids() already applied do not
 * count. UIDNEXT is brought forward past the newest UID, so that the
 * order can still be cached. *changed is 1 when the rows changed.
 * Returns 0 or -1.
 */
int
mailbox_refresh(struct mailbox *m, int *changed)
{
	uint32_t exists, *old = NULL, max;
	size_t n_old = m->n, i;
	int expunges, r, rc = -1;

	*changed = 0;
	expunges = imap_noop(m->imap, &exists);
	if (expunges < 0)
		return -1;
	if ((unsigned)expunges >= m->own_expunged) {
		expunges -= (int)m->own_expunged;
	} else {
		/* Fewer than we removed: someone else removed ours first. */
		expunges = 0;
	}
	m->own_expunged = 0;
	if (mailbox_refresh_flags(m, changed) < 0)
		return -1;
	if (!expunges && exists == m->info.exists)
		return 0;
	if (!expunges) {
		r = mailbox_add_new(m, exists);
		if (r < 0)
			return -1;
		if (r > 0) {
			*changed = 1;
			return 0;
		}
	}
	if (m->opts.limit == IMAP_LIMIT_ALL && n_old) {
		old = malloc(n_old * sizeof(*old));
		if (!old)
			fatal("out of memory");
		for (i = 0; i < n_old; i++)
			old[i] = mailbox_uid(m, i);
	}
	/* Not cached under a state that is no longer the folder's. */
	m->state_known = 0;
	if (mailbox_order(m, &m->opts) < 0)
		goto out;
	if (old)
		mailbox_forget_gone(m, old, n_old);
	m->info.exists = exists;
	/*
	 * A listing of every message holds the newest: UIDNEXT is at least
	 * one past it (a message that came and went already may put it
	 * higher, which only makes the cached order miss).
	 */
	if (m->opts.limit == IMAP_LIMIT_ALL && m->n == exists) {
		max = mailbox_max_uid(m);
		if (max >= m->info.uidnext)
			m->info.uidnext = max + 1;
		m->state_known = 1;
		mailbox_order_store(m);
	}
	*changed = 1;
	rc = 0;
out:
	free(old);
	return rc;
}

/*
 * The session expunged or moved away the n messages in uids: their rows
 * go (threads are asked of the server again, as their shape changes),
 * their envelopes leave memory and cache, and EXISTS goes down. Returns 0
 * or -1 (only a new UID THREAD can fail).
 */
int
mailbox_remove_uids(struct mailbox *m, const uint32_t *uids, size_t n)
{
	uint32_t *gone;
	size_t i, k = 0;

	if (!n)
		return 0;
	gone = malloc(n * sizeof(*gone));
	if (!gone)
		fatal("out of memory");
	memcpy(gone, uids, n * sizeof(*gone));
	qsort(gone, n, sizeof(*gone), mailbox_uid_cmp);
	m->own_expunged += (unsigned)n;
	m->info.exists = m->info.exists > n ? m->info.exists - (uint32_t)n : 0;
	for (i = 0; i < n; i++)
		mailbox_env_drop(m, gone[i]);
	if (m->cache && cache_forget(m->cache, m->folder, gone, n) < 0)
		mailbox_cache_failed(m);
	if (m->threaded) {
		free(gone);
		return mailbox_order(m, &m->opts);
	}
	for (i = 0; i < m->n; i++)
		if (!bsearch(&m->uids[i], gone, n, sizeof(*gone),
			     mailbox_uid_cmp))
			m->uids[k++] = m->uids[i];
	m->n = k;
	free(gone);
	mailbox_order_store(m);
	return 0;
}

/*
 * The session stored flags (add, or cleared them) on the n messages in
 * uids: the envelopes in memory and the cache's rows follow. Returns 0.
 */
int
mailbox_note_flags(struct mailbox *m, const uint32_t *uids, size_t n,
		   uint32_t flags, int add)
{
	struct imap_envelope *e;
	size_t i;

	for (i = 0; i < n; i++) {
		e = mailbox_env(m, uids[i]);
		if (e)
			e->flags = add ? e->flags | flags : e->flags & ~flags;
	}
	if (m->cache &&
	    cache_change_flags(m->cache, m->folder, uids, n, flags, add) < 0)
		mailbox_cache_failed(m);
	return 0;
}

/*
 * Adds (add) or removes flags on row i, on the server first, then in
 * memory and cache. Returns 0 or -1.
 */
int
mailbox_set_flags(struct mailbox *m, size_t i, uint32_t flags, int add)
{
	struct imap_envelope *e;
	uint32_t uid;

	if (i >= m->n)
		return err_set("row %zu of '%s' does not exist", i, m->folder);
	uid = mailbox_uid(m, i);
	if (imap_store_flags(m->imap, &uid, 1, flags, add) < 0)
		return -1;
	e = mailbox_env(m, uid);
	if (e)
		e->flags = add ? e->flags | flags : e->flags & ~flags;
	if (!m->cache)
		return 0;
	/* Without the envelope the cache's flags are unknown: drop them. */
	if ((e ? cache_set_flags(m->cache, m->folder, uid, e->flags)
	       : cache_forget(m->cache, m->folder, &uid, 1)) < 0)
		mailbox_cache_failed(m);
	return 0;
}

/* The row of uid in *i. Returns 0, or -1 when no row has it. */
int
mailbox_find_uid(const struct mailbox *m, uint32_t uid, size_t *i)
{
	size_t j;

	for (j = 0; j < m->n; j++)
		if (mailbox_uid(m, j) == uid) {
			*i = j;
			return 0;
		}
	return err_set("no message with UID %u in '%s'", uid, m->folder);
}
