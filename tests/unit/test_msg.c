/* Unit tests for util/msg.c and util/door_proto.c: frames and decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/door_proto.h"
#include "util/log.h"
#include "util/msg.h"

static void
fill(struct door_session *s)
{
	door_session_init(s);
	buf_adds(&s->email, "jane@example.com");
	buf_adds(&s->display_name, "Jane Doe");
	buf_adds(&s->client_addr, "192.0.2.1");
	buf_adds(&s->state_dir, "/var/lib/tuimail/users/example.com/jane");
	buf_adds(&s->keymap, "vim");
	buf_adds(&s->theme, "dark");
	buf_adds(&s->imap_host, "127.0.0.1");
	buf_adds(&s->imap_user, "jane@example.com");
	buf_adds(&s->imap_pass, "s3cret");
	buf_adds(&s->smtp_host, "127.0.0.1");
	s->imap_port = 143;
	s->imap_security = 2;
	s->smtp_port = 587;
	s->smtp_security = 1;
	s->smtp_save_sent = 1;
	s->is_admin = 1;
	s->mail_admin = 1;
}

static void
test_hello_roundtrip_over_a_pipe(void **state)
{
	struct door_session in, out;
	struct msg m, r;
	int p[2];

	(void)state;
	fill(&in);
	door_encode_hello_ok(&m, &in);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(msg_write(p[1], &m), 0);
	close(p[1]);
	assert_int_equal(msg_read(p[0], &r), 1);
	assert_int_equal(r.type, DOOR_HELLO_OK);
	door_session_init(&out);
	assert_int_equal(door_decode_hello_ok(&r, &out), 0);
	assert_string_equal(out.email.buf, "jane@example.com");
	assert_string_equal(out.imap_pass.buf, "s3cret");
	assert_string_equal(out.imap_ca_file.buf, "");
	assert_string_equal(out.state_dir.buf, in.state_dir.buf);
	assert_int_equal(out.imap_port, 143);
	assert_int_equal(out.smtp_security, 1);
	assert_int_equal(out.is_admin, 1);
	msg_release(&r);
	/* End of file after the one frame. */
	assert_int_equal(msg_read(p[0], &r), 0);
	close(p[0]);
	msg_release(&m);
	door_session_release(&in);
	door_session_release(&out);
	assert_string_equal(out.imap_pass.buf, "");
}

static void
test_decoders_check_every_field(void **state)
{
	struct door_session in, out;
	struct msg m;
	size_t full;

	(void)state;
	fill(&in);
	door_encode_hello_ok(&m, &in);
	full = m.b.len;
	/* Every truncation is refused. */
	for (m.b.len = 0; m.b.len < full; m.b.len++) {
		m.off = 0;
		door_session_init(&out);
		assert_int_equal(door_decode_hello_ok(&m, &out), -1);
		door_session_release(&out);
	}
	/* So is a byte too many. */
	m.b.len = full;
	msg_put_u32(&m, 7);
	m.off = 0;
	door_session_init(&out);
	assert_int_equal(door_decode_hello_ok(&m, &out), -1);
	assert_non_null(strstr(err_msg(), "left over"));
	door_session_release(&out);
	msg_release(&m);

	/* A port out of range, and the wrong type. */
	in.imap_port = 70000;
	door_encode_hello_ok(&m, &in);
	door_session_init(&out);
	assert_int_equal(door_decode_hello_ok(&m, &out), -1);
	door_session_release(&out);
	m.type = DOOR_LOGIN_RECORD_OK;
	m.off = 0;
	assert_int_equal(door_decode_hello_ok(&m, &out), -1);
	msg_release(&m);
	door_session_release(&in);
}

static void
test_strings_are_checked(void **state)
{
	struct buf s = BUF_INIT;
	struct msg m;

	(void)state;
	msg_init(&m, 9);
	msg_put_u32(&m, 3);
	buf_add(&m.b, "a\0b", 3);
	assert_int_equal(msg_get_str(&m, &s, 100), -1);
	assert_non_null(strstr(err_msg(), "NUL"));
	msg_release(&m);

	msg_init(&m, 9);
	msg_put_str(&m, "hello");
	assert_int_equal(msg_get_str(&m, &s, 4), -1);
	m.off = 0;
	assert_int_equal(msg_get_str(&m, &s, 5), 0);
	assert_string_equal(s.buf, "hello");
	assert_int_equal(msg_end(&m), 0);
	msg_release(&m);

	/* A length that points past the end. */
	msg_init(&m, 9);
	msg_put_u32(&m, 1000);
	buf_adds(&m.b, "short");
	assert_int_equal(msg_get_str(&m, &s, 2000), -1);
	msg_release(&m);
	buf_release(&s);
}

static void
test_bad_frames(void **state)
{
	static const unsigned char huge[] = { 0x7f, 0xff, 0xff, 0xff, 0, 1 };
	static const unsigned char tiny[] = { 0, 0, 0, 1, 0 };
	static const unsigned char cut[] = { 0, 0, 0, 10, 0, 2, 'x' };
	struct msg m;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], huge, sizeof(huge)), sizeof(huge));
	assert_int_equal(msg_read(p[0], &m), -1);
	close(p[0]);
	close(p[1]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], tiny, sizeof(tiny)), sizeof(tiny));
	assert_int_equal(msg_read(p[0], &m), -1);
	close(p[0]);
	close(p[1]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], cut, sizeof(cut)), sizeof(cut));
	close(p[1]);
	assert_int_equal(msg_read(p[0], &m), -1);
	assert_non_null(strstr(err_msg(), "truncated"));
	close(p[0]);
}

static void
test_login_record_and_error(void **state)
{
	struct door_login_record in = { 1800000000, BUF_INIT }, out;
	struct buf text = BUF_INIT;
	struct msg m;

	(void)state;
	buf_adds(&in.prev_addr, "2001:db8::1");
	door_encode_login_record_ok(&m, &in);
	out.prev_at = 0;
	buf_init(&out.prev_addr);
	assert_int_equal(door_decode_login_record_ok(&m, &out), 0);
	assert_int_equal(out.prev_at, 1800000000);
	assert_string_equal(out.prev_addr.buf, "2001:db8::1");
	msg_release(&m);
	door_encode_error(&m, "not an admin");
	assert_int_equal(door_decode_error(&m, &text), 0);
	assert_string_equal(text.buf, "not an admin");
	msg_release(&m);
	buf_release(&text);
	buf_release(&in.prev_addr);
	buf_release(&out.prev_addr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_roundtrip_over_a_pipe),
		cmocka_unit_test(test_decoders_check_every_field),
		cmocka_unit_test(test_strings_are_checked),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_login_record_and_error),
	};

	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
