/*
 * mirror.c: the local copy of a user's mail that search.c indexes, kept
 * in step with the server in bounded steps.
 *
 * Over IMAP (SEARCH_MIRROR) every message of every selectable folder is
 * fetched with BODY.PEEK[] into <root>/<dir>/cur/<uidvalidity>.<uid>:2,
 * <flags> (line ends made LF, as in any Maildir), on a session of the
 * mirror's own, opened with the caller's connect function. With Dovecot
 * on this host (SEARCH_MAILDIR) nothing is fetched: <root>/<dir>/cur and
 * new are symbolic links to Dovecot's Maildir++ folder, whose files are
 * indexed where they are.
 *
 * The work is a set of queues per folder, filled by a check and drained
 * a message at a time, so mirror_step() can stop whenever its budget is
 * spent: files the index lacks or has in excess (found when a folder is
 * first loaded in a session), messages gone from the server, flag
 * changes (a rename), and messages to fetch, newest first. A check asks
 * EXAMINE (CONDSTORE) for UIDVALIDITY, UIDNEXT, EXISTS and HIGHESTMODSEQ
 * and skips a folder where none moved; else UID FETCH (FLAGS)
 * CHANGEDSINCE the last HIGHESTMODSEQ gives new mail and flag changes,
 * and when the count does not add up (messages went away), or without
 * CONDSTORE, a listing of every UID and its flags is compared with the
 * mirror. A new UIDVALIDITY queues the folder's old files for removal
 * and fetches it anew. The state of each folder is saved in the index
 * with every commit (search_folder_put()) and only marked complete once
 * its queues are empty, so a session that stops anywhere resumes: the
 * files say what is there, the state whether to trust the count.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "index/index.h"
#include "util/log.h"

#define MIRROR_INTERVAL 10	    /* seconds between checks of a folder */
#define MIRROR_LIST_MS 300000	    /* LIST (or scan the Maildir) again */
#define MIRROR_COMMIT_MS 1000	    /* commit at least this often */
#define MIRROR_WRITER_MS 5000	    /* a reader tries the lock this often */
#define MIRROR_BACKOFF_MIN 1000	    /* ms before reconnecting, doubling */
#define MIRROR_BACKOFF_MAX 60000
#define MIRROR_DEAD (1u << 31)	    /* flags bit: removed from have */

/* A message of the mirror, or one to work on. */
struct mirror_msg {
	uint32_t uid;
	uint32_t flags; /* enum imap_flag; MIRROR_DEAD in have */
	uint32_t uidvalidity;
};

struct mirror_vec {
	struct mirror_msg *v; /* owned */
	size_t n, alloc;
};

struct mirror_strv {
	char **v; /* owned, each owned */
	size_t n, alloc;
};

struct mirror_folder {
	struct search_folder st; /* the saved state; strings owned */
	int listed;	   /* in the last LIST or Maildir scan */
	int loaded;	   /* files read and compared with the index */
	int due;	   /* check at the next chance */
	int full;	   /* the next check lists every UID */
	int changed;	   /* st to save at the next commit */
	int dropping;	   /* gone from the server: remove, then forget */
	int64_t next_check; /* ms, monotonic */
	struct imap_mailbox_info seen; /* the check the queues came from */
	uint64_t stamp;	   /* SEARCH_MAILDIR: mtimes at the check */
	uint32_t files;	   /* SEARCH_MAILDIR: files at the check */
	struct mirror_vec have;	  /* sorted by UID: files in cur/ */
	struct mirror_vec added;  /* fetched since the last merge */
	size_t dead;		  /* entries of have marked MIRROR_DEAD */
	struct mirror_vec gone;	  /* files to remove */
	struct mirror_vec reflag; /* files to rename: flags are the new */
	struct mirror_vec fetch;  /* ascending: taken from the end */
	struct mirror_strv unindex; /* paths the index has, the disk not */
	struct mirror_strv index;   /* paths the disk has, the index not */
};

struct mirror {
	struct search *s; /* borrowed */
	const char *root; /* borrowed from s */
	enum search_source src;
	char *maildir; /* owned: SEARCH_MAILDIR's source */
	char delim;
	int (*connect)(struct imap_conn **out, void *arg);
	void *connect_arg;
	int (*interrupt)(void *arg);
	void *interrupt_arg;
	int64_t interval; /* ms */
	struct imap_conn *c;		/* owned; NULL while disconnected */
	struct mirror_folder *selected; /* the folder EXAMINEd on c */
	struct imap_mailbox_info sel;	/* what EXAMINE said */
	int64_t retry_at;		/* reconnect not before */
	int64_t backoff;
	int list_due;
	int64_t list_at;
	int restored;	   /* folder states read after becoming writer */
	int trusted;	   /* the last writer closed cleanly: files = index */
	int troubled;	   /* a change failed: do not close as clean */
	int64_t writer_at; /* a reader tries the lock again then */
	struct mirror_folder *f; /* owned */
	size_t n_f;
	int dirty;	   /* uncommitted changes */
	int64_t commit_at; /* commit by then */
	struct buf raw;	   /* a fetched message */
	struct buf path, path2;
	struct mirror_vec listing; /* the answer of a FLAGS fetch */
};

/* Milliseconds on a clock that only goes forward. */
static int64_t
mirror_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends a message to v. */
static void
mirror_push(struct mirror_vec *v, uint32_t uid, uint32_t flags, uint32_t uv)
{
	if (v->n == v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 64;
		v->v = reallocarray(v->v, v->alloc, sizeof(*v->v));
		if (!v->v)
			fatal("out of memory");
	}
	v->v[v->n].uid = uid;
	v->v[v->n].flags = flags;
	v->v[v->n].uidvalidity = uv;
	v->n++;
}

/* Frees the array of v and zeroes it. */
static void
mirror_vec_release(struct mirror_vec *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Adds s to v; v takes s when own is set, else a copy. */
static void
mirror_strv_push(struct mirror_strv *v, char *s, int own)
{
	if (v->n == v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 64;
		v->v = reallocarray(v->v, v->alloc, sizeof(*v->v));
		if (!v->v)
			fatal("out of memory");
	}
	v->v[v->n++] = own ? s : xstrdup(s);
}

/* Empties v, keeping its memory. */
static void
mirror_strv_clear(struct mirror_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	v->n = 0;
}

/* Frees v and its strings, and zeroes it. */
static void
mirror_strv_release(struct mirror_strv *v)
{
	mirror_strv_clear(v);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Orders messages by UID for qsort() and bsearch(). */
static int
mirror_msg_cmp(const void *a, const void *b)
{
	const struct mirror_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Sorts v by UID (qsort() must not see the NULL of an empty one). */
static void
mirror_sort(struct mirror_vec *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(*v->v), mirror_msg_cmp);
}

/* Orders strings (char *) for qsort(). */
static int
mirror_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- Names: pure. */

/*
 * Appends to out the mirror's file name of a message:
 * "<uidvalidity>.<uid>:2,<flags>", flags as Maildir letters.
 */
void
mirror_file_name(struct buf *out, uint32_t uidvalidity, uint32_t uid,
		 uint32_t flags)
{
	char info[SEARCH_INFO_MAX];

	search_maildir_info(flags, info);
	buf_addf(out, "%u.%u:2,%s", uidvalidity, uid, info);
}

/* Reads a decimal number of 1..UINT32_MAX at *p; moves *p past it. */
static int
mirror_number(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (!v)
		return -1;
	*out = (uint32_t)v;
	*p = s;
	return 0;
}

/*
 * Reads a file name mirror_file_name() made. Returns 0 with the three
 * values set, or -1 when name is not one (any other file).
 */
int
mirror_parse_name(const char *name, uint32_t *uidvalidity, uint32_t *uid,
		  uint32_t *flags)
{
	const char *p = name;
	char info[SEARCH_INFO_MAX];
	uint32_t uv, u, fl;

	if (mirror_number(&p, &uv) < 0 || *p++ != '.' ||
	    mirror_number(&p, &u) < 0 || strncmp(p, ":2,", 3))
		return -1;
	fl = search_maildir_flags(name);
	/* Only the letters we write, in order, each once. */
	search_maildir_info(fl, info);
	if (strcmp(p + 3, info))
		return -1;
	*uidvalidity = uv;
	*uid = u;
	*flags = fl;
	return 0;
}

/* Appends one component of a folder name, escaped for a directory. */
static void
mirror_dir_part(struct buf *out, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	if (!len) {
		buf_adds(out, "%00");
		return;
	}
	if ((len == 3 && (!strncmp(s, "cur", 3) || !strncmp(s, "new", 3) ||
			  !strncmp(s, "tmp", 3))) ||
	    s[0] == '.') {
		buf_addf(out, "%%%02X", (unsigned char)s[0]);
		s++;
		len--;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%' || c == '/' || c < 0x20 || c == 0x7F)
			buf_addf(out, "%%%02X", c);
		else
			buf_addch(out, c);
	}
}

/*
 * The directory under the mail root for folder name (the server's
 * name, modified UTF-7, with hierarchy delimiter delim): UTF-8, the
 * delimiter as '/', INBOX always "INBOX"; '%', '/', control bytes, a
 * leading '.' and components named cur, new or tmp escaped as %XX so no
 * name can reach outside its directory or look like a Maildir's own.
 * Returns a string the caller frees.
 */
char *
mirror_folder_dir(const char *name, char delim)
{
	struct buf out = BUF_INIT;
	char *utf8;
	const char *p, *e;

	if (!strcasecmp(name, "INBOX"))
		return xstrdup("INBOX");
	utf8 = imap_utf7_to_utf8(name);
	if (!utf8)
		utf8 = xstrdup(name);
	p = utf8;
	if (delim && !strncasecmp(p, "INBOX", 5) && p[5] == delim) {
		buf_adds(&out, "INBOX/");
		p += 6;
	}
	for (;;) {
		e = delim ? strchr(p, delim) : NULL;
		mirror_dir_part(&out, p, e ? (size_t)(e - p) : strlen(p));
		if (!e)
			break;
		buf_addch(&out, '/');
		p = e + 1;
	}
	free(utf8);
	return buf_detach(&out, NULL);
}

/*
 * Dovecot's Maildir of user ("local@domain") under maildir_root:
 * "<root>/<domain>/<local>/Maildir". NULL (with err_msg()) for an
 * address that could name another directory. The caller frees it.
 */
char *
mirror_maildir_path(const char *maildir_root, const char *user)
{
	const char *at = strrchr(user, '@');
	char *path;

	if (!at || at == user || !at[1] || strchr(user, '/') ||
	    !strcmp(at + 1, "..") || !strcmp(at + 1, ".") ||
	    !strncmp(user, "..@", 3) || !strncmp(user, ".@", 2)) {
		err_set("'%s' cannot name a Maildir", user);
		return NULL;
	}
	if (asprintf(&path, "%s/%s/%.*s/Maildir", maildir_root, at + 1,
		     (int)(at - user), user) < 0)
		fatal("out of memory");
	return path;
}

/* ---- Folders. */

/* Frees what folder f owns and zeroes it. */
static void
mirror_folder_release(struct mirror_folder *f)
{
	free(f->st.dir);
	free(f->st.name);
	free(f->st.source);
	mirror_vec_release(&f->have);
	mirror_vec_release(&f->added);
	mirror_vec_release(&f->gone);
	mirror_vec_release(&f->reflag);
	mirror_vec_release(&f->fetch);
	mirror_strv_release(&f->unindex);
	mirror_strv_release(&f->index);
	memset(f, 0, sizeof(*f));
}

/* The folder whose directory is dir, or NULL. */
static struct mirror_folder *
mirror_find_dir(struct mirror *m, const char *dir)
{
	size_t i;

	for (i = 0; i < m->n_f; i++)
		if (!strcmp(m->f[i].st.dir, dir))
			return &m->f[i];
	return NULL;
}

/*
 * A new folder entry for dir; the array may move, so pointers into it
 * are stale afterwards (m->selected is kept right).
 */
static struct mirror_folder *
mirror_add_folder(struct mirror *m, const char *dir, const char *name,
		  const char *source)
{
	struct mirror_folder *f;
	size_t sel = m->selected ? (size_t)(m->selected - m->f) : 0;

	m->f = reallocarray(m->f, m->n_f + 1, sizeof(*m->f));
	if (!m->f)
		fatal("out of memory");
	if (m->selected)
		m->selected = &m->f[sel];
	f = &m->f[m->n_f++];
	memset(f, 0, sizeof(*f));
	f->st.dir = xstrdup(dir);
	f->st.name = xstrdup(name);
	f->st.source = xstrdup(source);
	f->due = 1;
	f->full = 1;
	f->changed = 1;
	return f;
}

/* Forgets the folder at index i of m->f. */
static void
mirror_remove_folder(struct mirror *m, size_t i)
{
	struct mirror_folder *sel = m->selected;

	if (sel == &m->f[i])
		sel = NULL;
	else if (sel && sel > &m->f[i])
		sel--;
	mirror_folder_release(&m->f[i]);
	memmove(&m->f[i], &m->f[i + 1], (m->n_f - i - 1) * sizeof(*m->f));
	m->n_f--;
	m->selected = sel;
}

/* Reads the saved folder states: where this session goes on from. */
static int
mirror_restore(struct mirror *m)
{
	struct search_folder *saved;
	struct mirror_folder *f;
	size_t i, n;

	if (search_folders(m->s, &saved, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (mirror_find_dir(m, saved[i].dir))
			continue;
		f = mirror_add_folder(m, saved[i].dir, saved[i].name,
				      saved[i].source);
		free(f->st.dir);
		free(f->st.name);
		free(f->st.source);
		f->st = saved[i];
		memset(&saved[i], 0, sizeof(saved[i]));
		f->full = !f->st.complete;
		f->changed = 0;
	}
	search_folders_free(saved, n);
	/*
	 * Until this session closes cleanly, the next one compares every
	 * file with the index: say so before anything changes.
	 */
	if (search_meta_get(m->s, "mirror.clean", &m->path) < 0)
		return -1;
	m->trusted = !strcmp(m->path.buf, "1");
	if (search_meta_put(m->s, "mirror.clean", "0") < 0 ||
	    search_commit(m->s) < 0)
		return -1;
	m->restored = 1;
	m->list_due = 1;
	return 0;
}

/* Live messages of f: have without the dead, and added. */
static size_t
mirror_count(const struct mirror_folder *f)
{
	return f->have.n - f->dead + f->added.n;
}

/* Whether f has queued work. */
static int
mirror_busy(const struct mirror_folder *f)
{
	return f->gone.n || f->reflag.n || f->fetch.n || f->unindex.n ||
	       f->index.n;
}

/* Moves added into have (sorted) and drops the dead. */
static void
mirror_merge(struct mirror_folder *f)
{
	size_t i, k = 0;

	if (!f->added.n && !f->dead)
		return;
	for (i = 0; i < f->have.n; i++)
		if (!(f->have.v[i].flags & MIRROR_DEAD))
			f->have.v[k++] = f->have.v[i];
	f->have.n = k;
	f->dead = 0;
	for (i = 0; i < f->added.n; i++)
		mirror_push(&f->have, f->added.v[i].uid, f->added.v[i].flags,
			    f->added.v[i].uidvalidity);
	f->added.n = 0;
	mirror_sort(&f->have);
}

/* The live entry of uid in f (have or added), or NULL. */
static struct mirror_msg *
mirror_lookup(struct mirror_folder *f, uint32_t uid)
{
	struct mirror_msg key = { uid, 0, 0 }, *hit;
	size_t i;

	hit = f->have.n ? bsearch(&key, f->have.v, f->have.n,
				  sizeof(*f->have.v), mirror_msg_cmp)
			: NULL;
	if (hit && !(hit->flags & MIRROR_DEAD))
		return hit;
	for (i = 0; i < f->added.n; i++)
		if (f->added.v[i].uid == uid)
			return &f->added.v[i];
	return NULL;
}

/* The path of sub ("cur", "tmp") of folder f into b. */
static void
mirror_dir_path(struct mirror *m, const struct mirror_folder *f,
		const char *sub, struct buf *b)
{
	buf_reset(b);
	buf_addf(b, "%s/%s%s%s", m->root, f->st.dir, sub ? "/" : "",
		 sub ? sub : "");
}

/* The path of message x of f into b. */
static void
mirror_msg_path(struct mirror *m, const struct mirror_folder *f,
		const struct mirror_msg *x, struct buf *b)
{
	mirror_dir_path(m, f, "cur/", b);
	mirror_file_name(b, x->uidvalidity, x->uid,
			 x->flags & ~MIRROR_DEAD);
}

/* ---- Loading a folder: its files against the index. */

struct mirror_names {
	char **v;
	size_t n, alloc;
};

/* Adds a copy of name to the list arg; a search_dir_files() callback. */
static int
mirror_names_add(const char *name, void *arg)
{
	struct mirror_names *nm = arg;

	if (nm->n == nm->alloc) {
		nm->alloc = nm->alloc ? nm->alloc * 2 : 256;
		nm->v = reallocarray(nm->v, nm->alloc, sizeof(*nm->v));
		if (!nm->v)
			fatal("out of memory");
	}
	nm->v[nm->n++] = xstrdup(name);
	return 0;
}

/* Frees the names of nm and zeroes it. */
static void
mirror_names_release(struct mirror_names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

/*
 * Reads the names of the regular files (or links to them) in dir into
 * nm, sorted when sort is set. A missing dir has none. Returns 0 or -1.
 */
static int
mirror_read_dir(const char *dir, struct mirror_names *nm, int sort)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return err_set("cannot read '%s': %s", dir, strerror(errno));
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_type != DT_DIR)
			mirror_names_add(de->d_name, nm);
	closedir(d);
	if (sort && nm->n)
		qsort(nm->v, nm->n, sizeof(*nm->v), mirror_str_cmp);
	return 0;
}

/*
 * Compares the sorted names on disk with the sorted names the index has
 * in directory sub of f: queues what the index lacks (index) and what it
 * has in excess (unindex).
 */
static void
mirror_diff(struct mirror *m, struct mirror_folder *f, const char *sub,
	    const struct mirror_names *disk, const struct mirror_names *ix)
{
	size_t i = 0, j = 0;
	int c;

	while (i < disk->n || j < ix->n) {
		c = i == disk->n ? 1
		    : j == ix->n ? -1
				 : strcmp(disk->v[i], ix->v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		mirror_dir_path(m, f, sub, &m->path);
		buf_addch(&m->path, '/');
		buf_adds(&m->path, c < 0 ? disk->v[i++] : ix->v[j++]);
		mirror_strv_push(c < 0 ? &f->index : &f->unindex, m->path.buf,
				 0);
	}
}

/* Which index names of sub of f to compare with the disk: into ix. */
static int
mirror_index_names(struct mirror *m, struct mirror_folder *f,
		   const char *sub, struct mirror_names *ix)
{
	char *rel;
	int rc;

	if (asprintf(&rel, "%s/%s", f->st.dir, sub) < 0)
		fatal("out of memory");
	rc = search_dir_files(m->s, rel, mirror_names_add, ix);
	free(rel);
	if (rc < 0)
		return -1;
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), mirror_str_cmp);
	return 0;
}

/*
 * First visit of f in this session (SEARCH_MIRROR): reads cur/ into
 * have, queues files of another UIDVALIDITY for removal, empties tmp/,
 * and queues the differences between the files and the index.
 */
static int
mirror_load(struct mirror *m, struct mirror_folder *f)
{
	struct mirror_names disk = { 0 }, ix = { 0 }, keep = { 0 };
	struct mirror_msg *prev;
	uint32_t uv, uid, flags;
	size_t i;
	int rc = -1, compare;

	mirror_dir_path(m, f, "cur", &m->path);
	if (search_mkdirs(m->path.buf) < 0)
		return -1;
	mirror_dir_path(m, f, "new", &m->path);
	if (search_mkdirs(m->path.buf) < 0)
		return -1;
	mirror_dir_path(m, f, "tmp", &m->path);
	if (search_mkdirs(m->path.buf) < 0 ||
	    mirror_read_dir(m->path.buf, &disk, 0) < 0)
		return -1;
	for (i = 0; i < disk.n; i++) {
		mirror_dir_path(m, f, "tmp/", &m->path);
		buf_adds(&m->path, disk.v[i]);
		unlink(m->path.buf);
	}
	mirror_names_release(&disk);
	compare = !m->trusted || !f->st.complete;
	mirror_dir_path(m, f, "cur", &m->path);
	if (mirror_read_dir(m->path.buf, &disk, 0) < 0)
		goto out;
	f->have.n = f->added.n = f->dead = 0;
	for (i = 0; i < disk.n; i++) {
		if (mirror_parse_name(disk.v[i], &uv, &uid, &flags) < 0) {
			mirror_dir_path(m, f, "cur/", &m->path);
			buf_adds(&m->path, disk.v[i]);
			mirror_strv_push(&f->unindex, m->path.buf, 0);
			unlink(m->path.buf);
			continue;
		}
		if (!f->st.uidvalidity)
			f->st.uidvalidity = uv;
		if (uv != f->st.uidvalidity) {
			mirror_push(&f->gone, uid, flags, uv);
		} else {
			mirror_push(&f->have, uid, flags, uv);
		}
		if (compare)
			mirror_names_add(disk.v[i], &keep);
	}
	mirror_sort(&f->have);
	/* Two names for one UID (a crash mid-rename): keep one. */
	for (i = 1; i < f->have.n; i++) {
		prev = &f->have.v[i - 1];
		if (prev->uid == f->have.v[i].uid) {
			mirror_push(&f->gone, prev->uid, prev->flags,
				    prev->uidvalidity);
			prev->flags |= MIRROR_DEAD;
			f->dead++;
		}
	}
	log_debug("search: '%s' has %zu files%s", f->st.dir, mirror_count(f),
		  compare ? ", compared with the index" : "");
	/* After a crash, the index may be behind or ahead of the files. */
	if (compare) {
		if (keep.n)
			qsort(keep.v, keep.n, sizeof(*keep.v),
			      mirror_str_cmp);
		if (mirror_index_names(m, f, "cur", &ix) < 0)
			goto out;
		mirror_diff(m, f, "cur", &keep, &ix);
	}
	if (mirror_count(f) != f->st.indexed || !f->st.complete)
		f->full = 1;
	f->loaded = 1;
	f->due = 1;
	rc = 0;
out:
	mirror_names_release(&disk);
	mirror_names_release(&ix);
	mirror_names_release(&keep);
	return rc;
}

/* ---- Connection. */

/* The connection failed: close it and try again after a back-off. */
static int
mirror_lost(struct mirror *m)
{
	log_warn("search: mirror connection lost: %s", err_msg());
	imap_close(m->c);
	m->c = NULL;
	m->selected = NULL;
	m->backoff = m->backoff ? m->backoff * 2 : MIRROR_BACKOFF_MIN;
	if (m->backoff > MIRROR_BACKOFF_MAX)
		m->backoff = MIRROR_BACKOFF_MAX;
	m->retry_at = mirror_now() + m->backoff;
	return -1;
}

/*
 * After a command failed: 0 when the connection still answers (the
 * failure was about the command), else -1 with the connection dropped.
 */
static int
mirror_alive(struct mirror *m)
{
	struct buf why = BUF_INIT;
	uint32_t exists;

	buf_adds(&why, err_msg());
	if (imap_noop(m->c, &exists) < 0) {
		buf_release(&why);
		return mirror_lost(m);
	}
	err_set("%s", why.buf);
	buf_release(&why);
	return 0;
}

/* EXAMINEs f on the mirror's connection into m->sel. */
static int
mirror_select(struct mirror *m, struct mirror_folder *f)
{
	m->selected = NULL;
	if (imap_select(m->c, f->st.name, 1, &m->sel) < 0)
		return -1;
	m->selected = f;
	return 0;
}

/* ---- Changing the mirror, one message at a time. */

/* Writes raw (CRLF made LF) as message x of f, then indexes it. */
static int
mirror_store(struct mirror *m, struct mirror_folder *f,
	     const struct mirror_msg *x)
{
	char *r = m->raw.buf, *w = m->raw.buf;
	size_t i, len = m->raw.len;
	ssize_t k;
	int fd, rc = -1;

	for (i = 0; i < len; i++)
		if (!(r[i] == '\r' && i + 1 < len && r[i + 1] == '\n'))
			*w++ = r[i];
	len = (size_t)(w - m->raw.buf);
	mirror_dir_path(m, f, "tmp/", &m->path2);
	buf_addf(&m->path2, "%u.%u.%ld", x->uidvalidity, x->uid,
		 (long)getpid());
	fd = open(m->path2.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return err_set("cannot create '%s': %s", m->path2.buf,
			       strerror(errno));
	for (i = 0; i < len; i += (size_t)k) {
		k = write(fd, m->raw.buf + i, len - i);
		if (k <= 0) {
			err_set("cannot write '%s': %s", m->path2.buf,
				k < 0 ? strerror(errno) : "short write");
			close(fd);
			goto out;
		}
	}
	if (close(fd) < 0) {
		err_set("cannot write '%s': %s", m->path2.buf, strerror(errno));
		goto out;
	}
	mirror_msg_path(m, f, x, &m->path);
	if (rename(m->path2.buf, m->path.buf) < 0) {
		err_set("cannot rename '%s': %s", m->path2.buf,
			strerror(errno));
		goto out;
	}
	rc = search_add_file(m->s, m->path.buf);
out:
	if (rc < 0)
		unlink(m->path2.buf);
	return rc;
}

/* Removes file x of f from the index and the disk. */
static int
mirror_unlink(struct mirror *m, struct mirror_folder *f,
	      const struct mirror_msg *x)
{
	mirror_msg_path(m, f, x, &m->path);
	if (search_remove_file(m->s, m->path.buf) < 0)
		return -1;
	if (unlink(m->path.buf) < 0 && errno != ENOENT)
		return err_set("cannot remove '%s': %s", m->path.buf,
			       strerror(errno));
	return 0;
}

/* Renames file *have of f for its new flags, and the index with it. */
static int
mirror_reflag(struct mirror *m, struct mirror_folder *f,
	      struct mirror_msg *have, uint32_t flags)
{
	struct mirror_msg now = *have;

	now.flags = flags;
	mirror_msg_path(m, f, have, &m->path);
	mirror_msg_path(m, f, &now, &m->path2);
	if (rename(m->path.buf, m->path2.buf) < 0)
		return err_set("cannot rename '%s': %s", m->path.buf,
			       strerror(errno));
	have->flags = flags;
	return search_rename_file(m->s, m->path.buf, m->path2.buf);
}

/*
 * A change to the mirror or the index failed: logged, and the next
 * session compares the files with the index again.
 */
static void
mirror_trouble(struct mirror *m)
{
	log_warn("search: %s", err_msg());
	m->troubled = 1;
}

/* Marks the state of f saved as done with its queues. */
static void
mirror_finish(struct mirror *m, struct mirror_folder *f)
{
	mirror_merge(f);
	if (m->src == SEARCH_MAILDIR) {
		f->st.exists = f->files;
		f->st.modseq = f->stamp;
	} else {
		f->st.uidnext = f->seen.uidnext;
		f->st.exists = f->seen.exists;
		f->st.modseq = f->seen.highestmodseq;
	}
	f->st.complete = 1;
	f->changed = 1;
}

/* The step must end: its deadline has come, or the caller wants it back. */
static int
mirror_past(const struct mirror *m, int64_t deadline)
{
	if (mirror_now() >= deadline)
		return 1;
	return m->interrupt && m->interrupt(m->interrupt_arg);
}

/*
 * Works through the queues of f until they are empty or the deadline.
 * Fetching needs f selected. Returns 0, or -1 when the connection went.
 */
static int
mirror_drain(struct mirror *m, struct mirror_folder *f, int64_t deadline)
{
	struct mirror_msg x, *have;
	char *path;

	while (mirror_busy(f) && !mirror_past(m, deadline)) {
		m->dirty = 1;
		f->changed = 1;
		if (f->unindex.n) {
			path = f->unindex.v[--f->unindex.n];
			if (search_remove_file(m->s, path) < 0)
				mirror_trouble(m);
			free(path);
		} else if (f->index.n) {
			path = f->index.v[--f->index.n];
			if (search_add_file(m->s, path) < 0)
				mirror_trouble(m);
			free(path);
		} else if (f->gone.n) {
			x = f->gone.v[--f->gone.n];
			have = x.uidvalidity == f->st.uidvalidity
				       ? mirror_lookup(f, x.uid)
				       : NULL;
			if (have && have->flags == x.flags) {
				have->flags |= MIRROR_DEAD;
				if (have >= f->have.v &&
				    have < f->have.v + f->have.n)
					f->dead++;
				else
					*have = f->added.v[--f->added.n];
			}
			if (mirror_unlink(m, f, &x) < 0)
				mirror_trouble(m);
		} else if (f->reflag.n) {
			x = f->reflag.v[--f->reflag.n];
			have = mirror_lookup(f, x.uid);
			if (have && have->flags != x.flags &&
			    mirror_reflag(m, f, have, x.flags) < 0)
				mirror_trouble(m);
		} else {
			if (m->selected != f) {
				if (mirror_select(m, f) < 0) {
					if (mirror_alive(m) < 0)
						return -1;
					/* Gone? LIST again, check later. */
					log_debug("search: %s", err_msg());
					f->fetch.n = 0;
					f->full = 1;
					m->list_due = 1;
					return 0;
				}
				if (m->sel.uidvalidity != f->st.uidvalidity) {
					/* The check that fills it again. */
					f->fetch.n = 0;
					f->due = 1;
					f->full = 1;
					return 0;
				}
			}
			x = f->fetch.v[f->fetch.n - 1];
			buf_reset(&m->raw);
			if (imap_fetch_message(m->c, x.uid, &m->raw) < 0) {
				if (mirror_alive(m) < 0)
					return -1;
				/* Gone meanwhile: the next check relists. */
				log_debug("search: %s", err_msg());
				f->full = 1;
				f->fetch.n--;
				continue;
			}
			f->fetch.n--;
			if (mirror_store(m, f, &x) < 0) {
				mirror_trouble(m);
				continue;
			}
			mirror_push(&f->added, x.uid, x.flags, x.uidvalidity);
		}
	}
	if (!mirror_busy(f) && !f->dropping && f->loaded && !f->full &&
	    !f->st.complete)
		mirror_finish(m, f);
	return 0;
}

/* ---- Checking a folder against the server. */

/* Adds one answer of a FLAGS fetch to m->listing. */
static void
mirror_collect(uint32_t uid, uint32_t flags, void *arg)
{
	struct mirror *m = arg;

	mirror_push(&m->listing, uid, flags, 0);
}

/*
 * Compares the full listing (every UID and its flags) with the mirror
 * of f and queues the differences.
 */
static void
mirror_compare(struct mirror *m, struct mirror_folder *f)
{
	struct mirror_vec *l = &m->listing;
	struct mirror_msg *h;
	size_t i = 0, j = 0;
	uint32_t uv = f->st.uidvalidity;

	mirror_merge(f);
	mirror_sort(l);
	h = f->have.v;
	while (i < f->have.n || j < l->n) {
		if (j == l->n || (i < f->have.n && h[i].uid < l->v[j].uid)) {
			mirror_push(&f->gone, h[i].uid, h[i].flags, uv);
			i++;
		} else if (i == f->have.n || l->v[j].uid < h[i].uid) {
			mirror_push(&f->fetch, l->v[j].uid, l->v[j].flags, uv);
			j++;
		} else {
			if (h[i].flags != l->v[j].flags)
				mirror_push(&f->reflag, h[i].uid,
					    l->v[j].flags, uv);
			i++;
			j++;
		}
	}
}

/* Orders UIDs (uint32_t) for qsort(). */
static int
mirror_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Messages went from f (the count does not add up after CHANGEDSINCE,
 * whose new messages are in f->fetch from before on): UID SEARCH ALL,
 * lighter than the flags of everything, says which, and they are queued
 * for removal. A UID that is neither ours nor new means the mirror is
 * off: f->full is set for a full listing. Returns 0 or -1.
 */
static int
mirror_expunged(struct mirror *m, struct mirror_folder *f, size_t before)
{
	struct mirror_msg *fresh = f->fetch.v + before, key;
	size_t n, nfresh = f->fetch.n - before, i = 0, j = 0;
	uint32_t *u;

	if (imap_sort(m->c, IMAP_SORT_ARRIVAL, 0, IMAP_LIMIT_ALL, &u, &n) < 0)
		return -1;
	if (n)
		qsort(u, n, sizeof(*u), mirror_uid_cmp);
	if (nfresh)
		qsort(fresh, nfresh, sizeof(*fresh), mirror_msg_cmp);
	mirror_merge(f);
	while (i < f->have.n || j < n) {
		if (j == n || (i < f->have.n && f->have.v[i].uid < u[j])) {
			mirror_push(&f->gone, f->have.v[i].uid,
				    f->have.v[i].flags,
				    f->have.v[i].uidvalidity);
			i++;
		} else if (i == f->have.n || u[j] < f->have.v[i].uid) {
			key.uid = u[j++];
			if (!nfresh || !bsearch(&key, fresh, nfresh,
						sizeof(*fresh), mirror_msg_cmp))
				f->full = 1;
		} else {
			i++;
			j++;
		}
	}
	free(u);
	if (f->full) {
		f->fetch.n = before;
		f->reflag.n = 0;
		f->gone.n = 0;
	}
	return 0;
}

/*
 * Checks f: EXAMINE, and when anything moved, the changes (or a full
 * listing) queued. Returns 0, or -1 when the connection went.
 */
static int
mirror_check(struct mirror *m, struct mirror_folder *f)
{
	struct imap_mailbox_info *info = &m->sel;
	struct mirror_msg *have;
	size_t i, before;

	f->due = 0;
	f->next_check = mirror_now() + m->interval;
	if (mirror_select(m, f) < 0) {
		if (mirror_alive(m) < 0)
			return -1;
		log_debug("search: %s", err_msg());
		m->list_due = 1;
		return 0;
	}
	if (f->st.uidvalidity && info->uidvalidity != f->st.uidvalidity) {
		log_info("search: '%s' has a new UIDVALIDITY, fetched again",
			 f->st.name);
		mirror_merge(f);
		for (i = 0; i < f->have.n; i++)
			mirror_push(&f->gone, f->have.v[i].uid,
				    f->have.v[i].flags,
				    f->have.v[i].uidvalidity);
		f->have.n = 0;
		f->dead = 0;
		f->full = 1;
	}
	if (f->st.uidvalidity != info->uidvalidity) {
		f->st.uidvalidity = info->uidvalidity;
		f->st.complete = 0;
		f->changed = 1;
	}
	if (!f->full && f->st.complete && info->uidnext == f->st.uidnext &&
	    info->exists == f->st.exists && info->highestmodseq &&
	    info->highestmodseq == f->st.modseq)
		return 0;
	m->listing.n = 0;
	if (!f->full && f->st.complete && info->highestmodseq &&
	    f->st.modseq) {
		if (imap_fetch_flags(m->c, f->st.modseq, mirror_collect, m) <
		    0)
			return mirror_alive(m) < 0 ? -1 : 0;
		mirror_merge(f);
		before = f->fetch.n;
		for (i = 0; i < m->listing.n; i++) {
			have = mirror_lookup(f, m->listing.v[i].uid);
			if (!have)
				mirror_push(&f->fetch, m->listing.v[i].uid,
					    m->listing.v[i].flags,
					    info->uidvalidity);
			else if (have->flags != m->listing.v[i].flags)
				mirror_push(&f->reflag, have->uid,
					    m->listing.v[i].flags,
					    info->uidvalidity);
		}
		if (mirror_count(f) + f->fetch.n - before != info->exists &&
		    mirror_expunged(m, f, before) < 0)
			return mirror_alive(m) < 0 ? -1 : 0;
	} else {
		f->full = 1;
	}
	if (f->full) {
		m->listing.n = 0;
		if (info->exists &&
		    imap_fetch_flags(m->c, 0, mirror_collect, m) < 0)
			return mirror_alive(m) < 0 ? -1 : 0;
		mirror_compare(m, f);
		f->full = 0;
	}
	mirror_sort(&f->fetch);
	f->seen = *info;
	f->st.exists = info->exists;
	f->st.complete = 0;
	f->changed = 1;
	m->dirty = 1;
	if (!mirror_busy(f))
		mirror_finish(m, f);
	return 0;
}

/* LISTs the server's folders: new ones are added, vanished ones dropped. */
static int
mirror_list(struct mirror *m)
{
	struct imap_folder *list;
	struct mirror_folder *f;
	size_t n, i;
	char *dir;

	if (imap_list_folders(m->c, &list, &n) < 0)
		return -1;
	for (i = 0; i < m->n_f; i++)
		m->f[i].listed = 0;
	for (i = 0; i < n; i++) {
		if (list[i].noselect)
			continue;
		dir = mirror_folder_dir(list[i].name, list[i].delim);
		f = mirror_find_dir(m, dir);
		if (!f)
			f = mirror_add_folder(m, dir, list[i].name, "");
		if (strcmp(f->st.name, list[i].name)) {
			free(f->st.name);
			f->st.name = xstrdup(list[i].name);
			f->changed = 1;
		}
		f->listed = 1;
		f->dropping = 0;
		free(dir);
	}
	imap_folders_free(list, n);
	return 0;
}

/* ---- Dovecot's Maildir, in place. */

/* A stamp of the mtimes of dirs cur and new of source; 0 if too fresh. */
static uint64_t
mirror_stamp(const char *source)
{
	char path[PATH_MAX];
	struct stat a, b;
	time_t now = time(NULL);

	snprintf(path, sizeof(path), "%s/cur", source);
	if (stat(path, &a) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/new", source);
	if (stat(path, &b) < 0)
		return 0;
	/* A change within the same second would not move the mtime. */
	if (a.st_mtime >= now - 1 || b.st_mtime >= now - 1)
		return 0;
	return ((uint64_t)a.st_mtim.tv_sec * 1000000007u +
		(uint64_t)a.st_mtim.tv_nsec) ^
	       ((uint64_t)b.st_mtim.tv_sec * 998244353u +
		(uint64_t)b.st_mtim.tv_nsec) * 31;
}

/* Points <root>/<dir>/<sub> at <source>/<sub>. Returns 0 or -1. */
static int
mirror_link(struct mirror *m, struct mirror_folder *f, const char *sub)
{
	char target[PATH_MAX], have[PATH_MAX];
	ssize_t len;

	snprintf(target, sizeof(target), "%s/%s", f->st.source, sub);
	mirror_dir_path(m, f, sub, &m->path);
	len = readlink(m->path.buf, have, sizeof(have) - 1);
	if (len >= 0) {
		have[len] = '\0';
		if (!strcmp(have, target))
			return 0;
	}
	unlink(m->path.buf);
	rmdir(m->path.buf);
	if (symlink(target, m->path.buf) < 0)
		return err_set("cannot link '%s': %s", m->path.buf,
			       strerror(errno));
	return 0;
}

/* The UIDVALIDITY in a dovecot-uidlist's first line, or 0. */
static uint32_t
mirror_dovecot_uidvalidity(const char *source)
{
	char path[PATH_MAX], line[256], *p;
	unsigned version = 0, uv = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/dovecot-uidlist", source);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	if (fgets(line, sizeof(line), fp) &&
	    sscanf(line, "%u", &version) == 1) {
		if (version == 1)
			sscanf(line, "%*u %u", &uv);
		else if ((p = strstr(line, " V")))
			uv = (unsigned)strtoul(p + 2, NULL, 10);
	}
	fclose(fp);
	return uv;
}

/*
 * Scans the Maildir: INBOX is its root, every ".Name" dir with a cur/
 * a folder ("Name" with '.' as the server's delimiter).
 */
static int
mirror_scan_maildir(struct mirror *m)
{
	struct mirror_folder *f;
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX], *name, *dir, *p;
	DIR *d;
	size_t i;

	d = opendir(m->maildir);
	if (!d)
		return err_set("cannot read '%s': %s", m->maildir,
			       strerror(errno));
	for (i = 0; i < m->n_f; i++)
		m->f[i].listed = 0;
	f = mirror_find_dir(m, "INBOX");
	if (!f)
		f = mirror_add_folder(m, "INBOX", "INBOX", m->maildir);
	f->listed = 1;
	f->dropping = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cur", m->maildir,
			 de->d_name);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		name = xstrdup(de->d_name + 1);
		for (p = name; *p; p++)
			if (*p == '.')
				*p = m->delim;
		dir = mirror_folder_dir(name, m->delim);
		snprintf(path, sizeof(path), "%s/%s", m->maildir, de->d_name);
		f = mirror_find_dir(m, dir);
		if (!f)
			f = mirror_add_folder(m, dir, name, path);
		f->listed = 1;
		f->dropping = 0;
		free(name);
		free(dir);
	}
	closedir(d);
	return 0;
}

/*
 * Checks a Maildir folder: when the mtimes of cur/ and new/ moved, its
 * files are compared with the index and the differences queued.
 */
static int
mirror_check_maildir(struct mirror *m, struct mirror_folder *f)
{
	struct mirror_names disk = { 0 }, ix = { 0 };
	static const char *const subs[] = { "cur", "new" };
	char path[PATH_MAX];
	uint64_t stamp;
	size_t k;
	int rc = -1;

	f->due = 0;
	f->next_check = mirror_now() + m->interval;
	stamp = mirror_stamp(f->st.source);
	if (!f->full && f->st.complete && stamp && stamp == f->st.modseq)
		return 0;
	mirror_dir_path(m, f, NULL, &m->path);
	if (search_mkdirs(m->path.buf) < 0 || mirror_link(m, f, "cur") < 0 ||
	    mirror_link(m, f, "new") < 0)
		return -1;
	f->files = 0;
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", f->st.source, subs[k]);
		if (mirror_read_dir(path, &disk, 1) < 0 ||
		    mirror_index_names(m, f, subs[k], &ix) < 0)
			goto out;
		mirror_diff(m, f, subs[k], &disk, &ix);
		f->files += (uint32_t)disk.n;
		mirror_names_release(&disk);
		mirror_names_release(&ix);
	}
	f->st.uidvalidity = mirror_dovecot_uidvalidity(f->st.source);
	f->stamp = stamp;
	f->st.indexed = f->files - (uint32_t)f->index.n;
	f->st.exists = f->files;
	f->st.complete = 0;
	f->full = 0;
	f->loaded = 1;
	f->changed = 1;
	m->dirty = 1;
	if (!mirror_busy(f))
		mirror_finish(m, f);
	rc = 0;
out:
	mirror_names_release(&disk);
	mirror_names_release(&ix);
	return rc;
}

/* ---- The step. */

/* Queues every file of a folder the server no longer has. */
static void
mirror_start_drop(struct mirror *m, struct mirror_folder *f)
{
	size_t i;

	(void)m;
	f->dropping = 1;
	mirror_merge(f);
	f->fetch.n = 0;
	f->reflag.n = 0;
	mirror_strv_clear(&f->index);
	for (i = 0; i < f->have.n; i++)
		mirror_push(&f->gone, f->have.v[i].uid, f->have.v[i].flags,
			    f->have.v[i].uidvalidity);
	f->have.n = 0;
}

/* Removes the directory tree of a dropped folder, as far as it is empty. */
static void
mirror_rmdir(struct mirror *m, struct mirror_folder *f)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	char *slash;
	size_t k;

	for (k = 0; k < 3; k++) {
		mirror_dir_path(m, f, subs[k], &m->path);
		if (m->src == SEARCH_MAILDIR)
			unlink(m->path.buf);
		else
			rmdir(m->path.buf);
	}
	mirror_dir_path(m, f, NULL, &m->path);
	while (rmdir(m->path.buf) == 0 &&
	       (slash = strrchr(m->path.buf, '/')) &&
	       (size_t)(slash - m->path.buf) > strlen(m->root)) {
		*slash = '\0';
		m->path.len = (size_t)(slash - m->path.buf);
	}
}

/*
 * The folder to work on next: one with queued work (the selected one
 * first, then in order: INBOX comes first), else one due for a check.
 */
static struct mirror_folder *
mirror_pick(struct mirror *m, int64_t now)
{
	size_t i;

	if (m->selected && mirror_busy(m->selected))
		return m->selected;
	for (i = 0; i < m->n_f; i++)
		if (m->f[i].dropping)
			return &m->f[i];
	for (i = 0; i < m->n_f; i++)
		if (!m->f[i].loaded && m->f[i].listed &&
		    m->src == SEARCH_MIRROR)
			return &m->f[i];
	for (i = 0; i < m->n_f; i++)
		if (mirror_busy(&m->f[i]))
			return &m->f[i];
	for (i = 0; i < m->n_f; i++)
		if (m->f[i].listed &&
		    (m->f[i].due || now >= m->f[i].next_check))
			return &m->f[i];
	return NULL;
}

/* Saves the state of changed folders and commits. */
static int
mirror_commit(struct mirror *m)
{
	struct mirror_folder *f;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->n_f; i++) {
		f = &m->f[i];
		if (!f->changed || f->dropping)
			continue;
		f->st.indexed = (uint32_t)mirror_count(f);
		if (m->src == SEARCH_MAILDIR)
			f->st.indexed = f->st.exists > f->index.n
						? f->st.exists -
							  (uint32_t)f->index.n
						: 0;
		if (search_folder_put(m->s, &f->st) < 0)
			rc = -1;
		f->changed = 0;
	}
	if (search_commit(m->s) < 0)
		rc = -1;
	m->dirty = 0;
	return rc;
}

/* Orders folders INBOX first, then by directory. */
static int
mirror_folder_cmp(const void *a, const void *b)
{
	const struct mirror_folder *x = a, *y = b;
	int xi = !strcmp(x->st.dir, "INBOX"), yi = !strcmp(y->st.dir, "INBOX");

	if (xi != yi)
		return yi - xi;
	return strcmp(x->st.dir, y->st.dir);
}

/* Lists (or scans) the folders, drops vanished ones, sorts them. */
static int
mirror_refresh_list(struct mirror *m)
{
	size_t i;
	int rc;

	rc = m->src == SEARCH_MAILDIR ? mirror_scan_maildir(m) : mirror_list(m);
	if (rc < 0)
		return -1;
	m->list_due = 0;
	m->list_at = mirror_now() + MIRROR_LIST_MS;
	for (i = 0; i < m->n_f; i++)
		if (!m->f[i].listed && !m->f[i].dropping) {
			log_info("search: folder '%s' is gone",
				 m->f[i].st.name);
			if (m->src == SEARCH_MAILDIR) {
				m->f[i].dropping = 1;
				m->f[i].loaded = 1;
				mirror_strv_clear(&m->f[i].index);
			} else {
				if (!m->f[i].loaded &&
				    mirror_load(m, &m->f[i]) < 0)
					log_warn("search: %s", err_msg());
				mirror_start_drop(m, &m->f[i]);
			}
		}
	m->selected = NULL;
	if (m->n_f)
		qsort(m->f, m->n_f, sizeof(*m->f), mirror_folder_cmp);
	return 0;
}

/*
 * Queues the whole index of a vanished Maildir folder for removal. The
 * links are gone with it, so the names come from the index.
 */
static int
mirror_drop_maildir(struct mirror *m, struct mirror_folder *f)
{
	struct mirror_names ix = { 0 }, none = { 0 };
	static const char *const subs[] = { "cur", "new" };
	size_t k;

	for (k = 0; k < 2; k++) {
		if (mirror_index_names(m, f, subs[k], &ix) < 0)
			return -1;
		mirror_diff(m, f, subs[k], &none, &ix);
		mirror_names_release(&ix);
	}
	return 0;
}

/* The work of one step until deadline: 1 more to do, 0 idle, -1. */
static int
mirror_work(struct mirror *m, int64_t deadline)
{
	struct mirror_folder *f;
	int64_t now = mirror_now();
	size_t i;

	if (m->src == SEARCH_MIRROR && !m->c) {
		if (now < m->retry_at)
			return 0;
		if (!m->connect)
			return err_set("search: no way to connect the mirror");
		if (m->connect(&m->c, m->connect_arg) < 0) {
			m->c = NULL;
			m->backoff = m->backoff ? m->backoff * 2
						: MIRROR_BACKOFF_MIN;
			if (m->backoff > MIRROR_BACKOFF_MAX)
				m->backoff = MIRROR_BACKOFF_MAX;
			m->retry_at = mirror_now() + m->backoff;
			return err_prefix("search: cannot connect the mirror");
		}
		m->backoff = 0;
		m->selected = NULL;
		m->list_due = 1;
	}
	if ((m->list_due || now >= m->list_at) &&
	    mirror_refresh_list(m) < 0) {
		m->list_at = now + m->interval;
		m->list_due = 0;
		if (m->src == SEARCH_MIRROR)
			mirror_alive(m);
		return -1;
	}
	while (!mirror_past(m, deadline)) {
		now = mirror_now();
		f = mirror_pick(m, now);
		if (!f)
			return 0;
		if (f->dropping) {
			if (m->src == SEARCH_MAILDIR && !f->unindex.n &&
			    !f->gone.n && mirror_drop_maildir(m, f) < 0)
				return -1;
			if (mirror_drain(m, f, deadline) < 0)
				return -1;
			if (!mirror_busy(f)) {
				m->dirty = 1;
				if (search_folder_drop(m->s, f->st.dir) < 0)
					return -1;
				mirror_rmdir(m, f);
				mirror_remove_folder(m, (size_t)(f - m->f));
			}
			continue;
		}
		if (!f->loaded && m->src == SEARCH_MIRROR) {
			if (mirror_load(m, f) < 0) {
				log_warn("search: %s", err_msg());
				f->listed = 0;
			}
			continue;
		}
		if (mirror_busy(f)) {
			if (mirror_drain(m, f, deadline) < 0)
				return -1;
			continue;
		}
		if (m->src == SEARCH_MAILDIR) {
			if (mirror_check_maildir(m, f) < 0) {
				log_warn("search: %s", err_msg());
				f->next_check = now + m->interval;
			}
		} else if (mirror_check(m, f) < 0) {
			return -1;
		}
	}
	for (i = 0; i < m->n_f; i++)
		if (mirror_busy(&m->f[i]) || (m->f[i].listed && m->f[i].due))
			return 1;
	return 0;
}

/*
 * Does at most about budget_ms of work (plus one IMAP round trip) on
 * bringing the mirror and the index up to date, and commits at least
 * every second while it works. A session that is not the writer only
 * tries, every few seconds, to become it. Returns 1 when work is left
 * (call again soon), 0 when there is none until mirror_next_ms(), -1 on
 * an error (err_msg(); the mirror retries by itself later).
 */
int
mirror_step(struct mirror *m, unsigned budget_ms)
{
	int64_t now = mirror_now(), deadline = now + budget_ms;
	size_t i;
	int rc, r;

	if (!search_is_writer(m->s)) {
		if (now < m->writer_at)
			return 0;
		m->writer_at = now + MIRROR_WRITER_MS;
		r = search_try_writer(m->s);
		if (r <= 0)
			return r;
	}
	if (!m->restored) {
		if (mirror_restore(m) < 0)
			return -1;
		for (i = 0; i < m->n_f; i++)
			m->f[i].due = 1;
	}
	rc = mirror_work(m, deadline);
	if (m->dirty && !m->commit_at)
		m->commit_at = now + MIRROR_COMMIT_MS;
	if (m->dirty && (rc <= 0 || mirror_now() >= m->commit_at)) {
		r = mirror_commit(m);
		m->commit_at = 0;
		if (r < 0 && rc >= 0)
			rc = -1;
	}
	return rc;
}

/*
 * Milliseconds until the mirror wants its next step: 0 while work is
 * queued, else until the next check, reconnection or try for the lock.
 */
unsigned
mirror_next_ms(const struct mirror *m)
{
	int64_t now = mirror_now(), next = now + MIRROR_LIST_MS;
	size_t i;

	if (!search_is_writer(m->s))
		next = m->writer_at;
	else if (m->src == SEARCH_MIRROR && !m->c)
		next = m->retry_at;
	else {
		if (m->list_due || m->dirty)
			return 0;
		if (m->list_at < next)
			next = m->list_at;
		for (i = 0; i < m->n_f; i++) {
			if (mirror_busy(&m->f[i]) || m->f[i].dropping ||
			    (m->f[i].listed &&
			     (m->f[i].due || (!m->f[i].loaded &&
					      m->src == SEARCH_MIRROR))))
				return 0;
			if (m->f[i].listed && m->f[i].next_check < next)
				next = m->f[i].next_check;
		}
	}
	return next <= now ? 0 : (unsigned)(next - now);
}

/*
 * Asks for folder (its server name) to be checked at the next step, as
 * when IDLE or the UI's own action changed it; NULL: every folder, and
 * the folder list.
 */
void
mirror_poke(struct mirror *m, const char *folder)
{
	size_t i;

	if (!folder)
		m->list_due = 1;
	for (i = 0; i < m->n_f; i++)
		if (!folder || !strcmp(m->f[i].st.name, folder) ||
		    (!strcasecmp(folder, "INBOX") &&
		     !strcmp(m->f[i].st.dir, "INBOX")))
			m->f[i].due = 1;
	if (!search_is_writer(m->s))
		m->writer_at = 0;
}

/*
 * Starts keeping the index of s (borrowed: it outlives the mirror) in
 * step with the server, as o says. No network here: the first
 * mirror_step() connects. Over a Maildir that this process cannot read
 * it fails, so that the caller can mirror over IMAP instead. *out is
 * the caller's, ended by mirror_close().
 */
int
mirror_open(struct mirror **out, struct search *s,
	    const struct mirror_opts *o)
{
	struct mirror *m;

	*out = NULL;
	if (search_source_of(s) == SEARCH_MAILDIR &&
	    (!o->maildir || !*o->maildir))
		return err_set("search: the Maildir to index is not set");
	if (search_source_of(s) == SEARCH_MAILDIR &&
	    access(o->maildir, R_OK | X_OK) < 0)
		return err_set("search: cannot read Maildir '%s': %s",
			       o->maildir, strerror(errno));
	if (search_source_of(s) == SEARCH_MIRROR && !o->connect)
		return err_set("search: the mirror has no way to connect");
	m = calloc(1, sizeof(*m));
	if (!m)
		fatal("out of memory");
	m->s = s;
	m->root = search_root(s);
	m->src = search_source_of(s);
	m->maildir = o->maildir ? xstrdup(o->maildir) : NULL;
	m->delim = o->maildir_delim ? o->maildir_delim : '/';
	m->connect = o->connect;
	m->connect_arg = o->connect_arg;
	m->interrupt = o->interrupt;
	m->interrupt_arg = o->interrupt_arg;
	m->interval = (int64_t)(o->interval ? o->interval : MIRROR_INTERVAL) *
		      1000;
	m->list_due = 1;
	buf_init(&m->raw);
	buf_init(&m->path);
	buf_init(&m->path2);
	*out = m;
	return 0;
}

/* Saves and commits what was done, closes the connection, frees m. */
void
mirror_close(struct mirror *m)
{
	size_t i;

	if (!m)
		return;
	if (search_is_writer(m->s) && m->restored &&
	    (mirror_commit(m) < 0 ||
	     (!m->troubled &&
	      (search_meta_put(m->s, "mirror.clean", "1") < 0 ||
	       search_commit(m->s) < 0))))
		log_warn("%s", err_msg());
	imap_close(m->c);
	for (i = 0; i < m->n_f; i++)
		mirror_folder_release(&m->f[i]);
	free(m->f);
	free(m->maildir);
	buf_release(&m->raw);
	buf_release(&m->path);
	buf_release(&m->path2);
	mirror_vec_release(&m->listing);
	free(m);
}
