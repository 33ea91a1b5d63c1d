/*
 * door.h: one SSH connection, in a process of its own: key exchange,
 * login (IMAP password, then TOTP when the account has it), the pty relay
 * to the session's tuimail, and the answers to its requests.
 */
#ifndef TUIMAIL_DOOR_H
#define TUIMAIL_DOOR_H

#include <libssh/libssh.h>

#include "util/conf.h"

int door_run(const struct conf *c, ssh_session session, int notify_fd);

#endif
