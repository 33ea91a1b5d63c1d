/*
 * hostkey.c: host key creation and fingerprints with libssh's pki API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "hostkey.h"
#include "util/log.h"

/*
 * Creates an ed25519 key at path unless a file is there already. *created
 * (if not NULL) says which happened. An existing key must not be readable
 * by group or others.
 */
int
hostkey_ensure(const char *path, int *created)
{
	ssh_key key = NULL;
	struct stat sb;
	mode_t old;
	int rc;

	if (created)
		*created = 0;
	if (stat(path, &sb) == 0) {
		if (sb.st_mode & 077)
			return err_set("host key '%s' is readable by others "
				       "(mode %03o): chmod 600 it",
				       path, (unsigned)(sb.st_mode & 0777));
		return 0;
	}
	if (errno != ENOENT)
		return err_set("cannot stat '%s': %s", path, strerror(errno));
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return err_set("cannot generate an ed25519 key");
	old = umask(077);
	rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	ssh_key_free(key);
	if (rc != SSH_OK)
		return err_set("cannot write host key '%s'", path);
	if (created)
		*created = 1;
	return 0;
}

/* Writes the key's "SHA256:..." fingerprint to out. */
int
hostkey_fingerprint(const char *path, char *out, size_t len)
{
	ssh_key key = NULL, pub = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;
	int rc = -1;

	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		err_set("cannot read host key '%s'", path);
		goto out;
	}
	if (ssh_pki_export_privkey_to_pubkey(key, &pub) != SSH_OK ||
	    ssh_get_publickey_hash(pub, SSH_PUBLICKEY_HASH_SHA256, &hash,
				   &hlen) != 0 ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
					   hlen)) == NULL) {
		err_set("cannot fingerprint host key '%s'", path);
		goto out;
	}
	snprintf(out, len, "%s", fp);
	rc = 0;
out:
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(pub);
	ssh_key_free(key);
	return rc;
}
