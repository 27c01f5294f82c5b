/*  CURVE keys: zmq_has ("curve"), zmq_curve_keypair, zmq_curve_public, and the four CURVE
    socket options (ZMQ_CURVE_SERVER, _PUBLICKEY, _SECRETKEY, _SERVERKEY) in their binary and
    Z85 forms. Every expectation here also holds for a libzmq built with libsodium (Debian's
    4.3.4 was checked), so the binary can be run against either library.  */
#include "testutil.h"

#include <stdint.h>

/*  A key pair from the zmq_curve man page, and the bytes 0..31 with their Z85 text.  */
static const char doc_public[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
static const char doc_secret[] = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
static const char z85_0_to_31[] = "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x";
static const char z85_alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
                                   "KLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static void *ctx;

static int is_z85_key (const char *text)
{
    if (strlen (text) != 40)
        return 0;
    for (int i = 0; i < 40; i++)
        if (!strchr (z85_alphabet, text[i]))
            return 0;
    return 1;
}

TEST (has_curve)
{
    CHECK_EQ (zmq_has ("curve"), 1);
    CHECK_EQ (zmq_has ("CURVE"), 0);
}

TEST (keypair_gives_z85_keys)
{
    char public_key[41], secret_key[41];
    memset (public_key, 'x', sizeof public_key);
    memset (secret_key, 'x', sizeof secret_key);
    CHECK_EQ (zmq_curve_keypair (public_key, secret_key), 0);
    CHECK (is_z85_key (public_key));
    CHECK (is_z85_key (secret_key));
    CHECK_EQ (public_key[40], 0);
    CHECK_EQ (secret_key[40], 0);
    uint8_t bin[32];
    CHECK_PTR_EQ (zmq_z85_decode (bin, public_key), bin);
    CHECK_PTR_EQ (zmq_z85_decode (bin, secret_key), bin);

    /*  Fresh every time.  */
    char public2[41], secret2[41];
    CHECK_EQ (zmq_curve_keypair (public2, secret2), 0);
    CHECK (strcmp (public_key, public2) != 0);
    CHECK (strcmp (secret_key, secret2) != 0);
}

TEST (public_from_secret_round_trip)
{
    for (int i = 0; i < 50; i++) {
        char public_key[41], secret_key[41], derived[41];
        CHECK_EQ (zmq_curve_keypair (public_key, secret_key), 0);
        memset (derived, 'x', sizeof derived);
        CHECK_EQ (zmq_curve_public (derived, secret_key), 0);
        CHECK_STR_EQ (derived, public_key);
    }
}

TEST (public_of_known_secret)
{
    char derived[41];
    CHECK_EQ (zmq_curve_public (derived, doc_secret), 0);
    CHECK_STR_EQ (derived, doc_public);

    /*  In place: the secret's buffer receives the public key.  */
    char buf[41];
    memcpy (buf, doc_secret, sizeof buf);
    CHECK_EQ (zmq_curve_public (buf, buf), 0);
    CHECK_STR_EQ (buf, doc_public);
}

TEST (public_refuses_bad_text)
{
    char derived[41];
    /*  Not a multiple of 5, too short, characters outside the alphabet, a group above
        2^32 - 1.  */
    CHECK_ERR (zmq_curve_public (derived, ""), EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "abcd"), EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c"), EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%csX"),
               EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~"),
               EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c "),
               EINVAL);
    CHECK_ERR (zmq_curve_public (derived, "#####lAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"), EINVAL);
}

static void *curve_socket (void)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    if (s) {
        int zero = 0;
        zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    }
    return s;
}

static int get_key (void *s, int option, void *buf, size_t size, size_t *len_out)
{
    size_t len = size;
    int rc = zmq_getsockopt (s, option, buf, &len);
    if (len_out)
        *len_out = len;
    return rc;
}

TEST (key_options_binary_and_z85)
{
    const int options[] = {ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY};
    uint8_t bytes[32];
    for (int i = 0; i < 32; i++)
        bytes[i] = (uint8_t) i;
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
        int opt = options[k];
        void *s = curve_socket ();
        CHECK (s);
        uint8_t bin[32];
        char text[41];
        size_t len;

        /*  Zeros before any is set.  */
        memset (bin, 0xaa, sizeof bin);
        CHECK_OK (get_key (s, opt, bin, 32, &len));
        CHECK_EQ (len, 32);
        for (int i = 0; i < 32; i++)
            CHECK_EQ (bin[i], 0);
        CHECK_OK (get_key (s, opt, text, 41, &len));
        CHECK_EQ (len, 41);
        CHECK_STR_EQ (text, "0000000000000000000000000000000000000000");

        /*  Binary in; binary and Z85 out.  */
        CHECK_OK (zmq_setsockopt (s, opt, bytes, 32));
        CHECK_OK (get_key (s, opt, bin, 32, &len));
        CHECK_MEM_EQ (bin, bytes, 32);
        memset (text, 'x', sizeof text);
        CHECK_OK (get_key (s, opt, text, 41, &len));
        CHECK_EQ (len, 41);
        CHECK_STR_EQ (text, z85_0_to_31);

        /*  Z85 in, 40 characters and 41 with the NUL.  */
        CHECK_OK (zmq_setsockopt (s, opt, doc_public, 40));
        CHECK_OK (get_key (s, opt, text, 41, NULL));
        CHECK_STR_EQ (text, doc_public);
        CHECK_OK (zmq_setsockopt (s, opt, z85_0_to_31, 41));
        CHECK_OK (get_key (s, opt, bin, 32, NULL));
        CHECK_MEM_EQ (bin, bytes, 32);
        CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);

        /*  Wrong lengths and bad text: EINVAL, the key stays.  */
        CHECK_ERR (zmq_setsockopt (s, opt, bytes, 31), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opt, bytes, 33), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opt, doc_public, 39), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opt, "0000000000000000000000000000000000000000xy", 42),
                   EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opt, "0000000000000000000000000000000000000000x", 41),
                   EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opt, NULL, 0), EINVAL);
        CHECK_OK (get_key (s, opt, bin, 32, NULL));
        CHECK_MEM_EQ (bin, bytes, 32);

        /*  As libzmq decodes straight into the key: a bad character in the last group
            fails, but the seven groups before it are already written.  */
        CHECK_ERR (zmq_setsockopt (s, opt, "000000000000000000000000000000000000000~", 40),
                   EINVAL);
        CHECK_OK (get_key (s, opt, bin, 32, NULL));
        for (int i = 0; i < 28; i++)
            CHECK_EQ (bin[i], 0);
        CHECK_MEM_EQ (bin + 28, bytes + 28, 4);

        /*  getsockopt takes exactly 32 or 41 bytes.  */
        char big[64];
        CHECK_ERR (get_key (s, opt, big, 31, NULL), EINVAL);
        CHECK_ERR (get_key (s, opt, big, 33, NULL), EINVAL);
        CHECK_ERR (get_key (s, opt, big, 40, NULL), EINVAL);
        CHECK_ERR (get_key (s, opt, big, 42, NULL), EINVAL);
        CHECK_ERR (get_key (s, opt, big, 64, NULL), EINVAL);
        CHECK_OK (zmq_close (s));
    }
}

TEST (roles_and_mechanism)
{
    void *s = curve_socket ();
    CHECK (s);
    char server_public[41], server_secret[41];
    CHECK_EQ (zmq_curve_keypair (server_public, server_secret), 0);

    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 0);

    /*  Server: CURVE_SERVER = 1 and its secret key.  */
    CHECK_OK (set_int (s, ZMQ_CURVE_SERVER, 1));
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 1);
    CHECK_EQ (get_int (s, ZMQ_PLAIN_SERVER), 0);
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40));
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 1);

    /*  A server key makes the socket a CURVE client.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 41));
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 0);
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);

    /*  A refused server key changes nothing.  */
    CHECK_OK (set_int (s, ZMQ_CURVE_SERVER, 1));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 39), EINVAL);
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 1);

    /*  0 turns the mechanism back to NULL; the keys stay.  */
    CHECK_OK (set_int (s, ZMQ_CURVE_SERVER, 0));
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 0);
    char text[41];
    size_t len = sizeof text;
    CHECK_OK (zmq_getsockopt (s, ZMQ_CURVE_SERVERKEY, text, &len));
    CHECK_STR_EQ (text, server_public);

    /*  Only 0 and 1, as an int.  */
    CHECK_ERR (set_int (s, ZMQ_CURVE_SERVER, 2), EINVAL);
    CHECK_ERR (set_int (s, ZMQ_CURVE_SERVER, -1), EINVAL);
    int64_t wide = 1;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &wide, sizeof wide), EINVAL);

    /*  Any key makes the mechanism CURVE; PLAIN and CURVE replace each other.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "u", 1));
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, server_public, 40));
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_OK (zmq_close (s));
}

TEST (every_socket_type_takes_the_keys)
{
    const int types[] = {ZMQ_PAIR, ZMQ_PUB,  ZMQ_SUB,    ZMQ_REQ,  ZMQ_REP,
                         ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PULL, ZMQ_PUSH, ZMQ_XPUB,
                         ZMQ_XSUB, ZMQ_STREAM};
    char public_key[41], secret_key[41];
    CHECK_EQ (zmq_curve_keypair (public_key, secret_key), 0);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        CHECK (s);
        CHECK_OK (set_int (s, ZMQ_CURVE_SERVER, 1));
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, secret_key, 40));
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, public_key, 40));
        CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, public_key, 40));
        CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);
        CHECK_OK (set_int (s, ZMQ_LINGER, 0));
        CHECK_OK (zmq_close (s));
    }
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN (has_curve);
    RUN (keypair_gives_z85_keys);
    RUN (public_from_secret_round_trip);
    RUN (public_of_known_secret);
    RUN (public_refuses_bad_text);
    RUN (key_options_binary_and_z85);
    RUN (roles_and_mechanism);
    RUN (every_socket_type_takes_the_keys);
    zmq_ctx_term (ctx);
    return test_summary ();
}
