import { callingCodes } from "../../rules/classification/phone-numbers.ts";
import { NAME_CAPITALS, SCRUB_PATTERNS } from "./strategies.ts";
import { ADDRESS_KEEP, EMAIL_DOMAINS, ENDINGS, FIRST_SYLLABLES, LAST_SYLLABLES } from "./words.ts";

/**
 * The masking strategies as SQL functions in the session's pg_temp schema: provisioning installs
 * them on each source connection and calls them inside `COPY (SELECT ...) TO STDOUT`, so masking
 * runs in Postgres next to the data and nothing is installed in the source database (pg_temp
 * objects vanish with the session). Each function computes exactly what its Node counterpart in
 * strategies.ts / fpe.ts computes (test/masking-strategies.test.ts checks value for value).
 *
 * All functions are called schema-qualified (`pg_temp.gm_email(...)`): Postgres never resolves
 * unqualified function names in pg_temp.
 */

const arr = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(",")}]::text[]`;
const re = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** DDL for one session; `key` is the masking key (masking/strategies/key.ts). */
export function maskingFunctionsSql(key: Buffer): string {
  return /* sql */ `
CREATE FUNCTION pg_temp.gm_key() RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT '\\x${key.toString("hex")}'::bytea $$;

CREATE FUNCTION pg_temp.gm_h(m text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
  $$ SELECT hmac(convert_to(m, 'UTF8'), pg_temp.gm_key(), 'sha256') $$;

-- PL/pgSQL rather than SQL for the per-value helpers: SQL functions that cannot be inlined pay
-- executor start-up on every call (~1 ms), PL/pgSQL simple expressions a few microseconds.
CREATE FUNCTION pg_temp.gm_word(h bytea, o int, syl text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE w text;
BEGIN
  w := syl[get_byte(h, o + 1) % 32 + 1] || syl[get_byte(h, o + 2) % 32 + 1];
  IF get_byte(h, o) % 2 = 1 THEN w := w || syl[get_byte(h, o + 3) % 32 + 1]; END IF;
  IF get_byte(h, o + 4) % 2 = 1 THEN w := w || (${arr(ENDINGS)})[get_byte(h, o + 5) % 8 + 1]; END IF;
  RETURN upper(left(w, 1)) || substr(w, 2);
END $$;

CREATE FUNCTION pg_temp.gm_case(token text, o text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN CASE WHEN length(token) > 1 AND token = upper(token) AND token <> lower(token) THEN upper(o)
              WHEN token = lower(token) THEN lower(o) ELSE o END;
END $$;

CREATE FUNCTION pg_temp.gm_email(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE h bytea := hmac(convert_to('email:' || lower(btrim(v)), 'UTF8'), pg_temp.gm_key(), 'sha256');
BEGIN
  RETURN lower(pg_temp.gm_word(h, 0, ${arr(FIRST_SYLLABLES)})) || '.'
      || lower(pg_temp.gm_word(h, 8, ${arr(LAST_SYLLABLES)})) || '.'
      || encode(substr(h, 17, 4), 'hex') || '@'
      || (${arr(EMAIL_DOMAINS)})[get_byte(h, 24) % 3 + 1];
END $$;

CREATE FUNCTION pg_temp.gm_round(r int, half text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ('x' || encode(substr(pg_temp.gm_h('tok:' || r || ':' || half), 1, 7), 'hex'))::bit(56)::bigint::numeric
$$;

CREATE FUNCTION pg_temp.gm_pad(x numeric, len int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN len = 0 THEN '' ELSE lpad(trunc(x)::text, len, '0') END
$$;

-- Inlined on purpose: calling the small SQL helpers from PL/pgSQL costs more than the HMACs.
CREATE FUNCTION pg_temp.gm_feistel(d text, decrypt boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE n int := length(d); u int; v int; a numeric; b numeric; ma numeric; mb numeric;
        r int; f numeric; k bytea := pg_temp.gm_key(); half text;
BEGIN
  IF n = 0 THEN RETURN d; END IF;
  u := n / 2; v := n - u;
  ma := trunc(10::numeric ^ u); mb := trunc(10::numeric ^ v);
  a := CASE WHEN u = 0 THEN 0 ELSE left(d, u)::numeric END;
  b := substr(d, u + 1)::numeric;
  FOR i IN 0..9 LOOP
    r := CASE WHEN decrypt THEN 9 - i ELSE i END;
    IF r % 2 = 0 THEN
      half := lpad(b::text, v, '0');
      f := ('x' || encode(substr(hmac(convert_to('tok:' || r || ':' || half, 'UTF8'), k, 'sha256'), 1, 7), 'hex'))::bit(56)::bigint;
      a := CASE WHEN decrypt THEN mod(mod(a - mod(f, ma), ma) + ma, ma) ELSE mod(a + f, ma) END;
    ELSE
      half := CASE WHEN u = 0 THEN '' ELSE lpad(a::text, u, '0') END;
      f := ('x' || encode(substr(hmac(convert_to('tok:' || r || ':' || half, 'UTF8'), k, 'sha256'), 1, 7), 'hex'))::bit(56)::bigint;
      b := CASE WHEN decrypt THEN mod(mod(b - mod(f, mb), mb) + mb, mb) ELSE mod(b + f, mb) END;
    END IF;
  END LOOP;
  RETURN CASE WHEN u = 0 THEN '' ELSE lpad(a::text, u, '0') END || lpad(b::text, v, '0');
END $$;

-- Digits replaced in order by their Feistel token, every other character kept.
CREATE FUNCTION pg_temp.gm_tokenize(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE t text := pg_temp.gm_feistel(regexp_replace(v, '[^0-9]', '', 'g'), false);
        out text := ''; c text; k int := 0;
BEGIN
  FOR i IN 1..length(v) LOOP
    c := substr(v, i, 1);
    IF c >= '0' AND c <= '9' THEN k := k + 1; out := out || substr(t, k, 1);
    ELSE out := out || c; END IF;
  END LOOP;
  RETURN out;
END $$;

-- substitutePhone: the 00, the country code (one of the calling codes) and trunk zeros kept.
CREATE FUNCTION pg_temp.gm_phone(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE keep int := 0; seen int := 0; t text := ltrim(v); d text := regexp_replace(v, '[^0-9]', '', 'g');
        cc text; codes text[] := ${arr(callingCodes())};
BEGIN
  IF left(t, 1) = '+' OR (left(t, 2) = '00' AND left(t, 3) <> '000') THEN
    IF left(t, 1) <> '+' THEN d := substr(d, 3); keep := 2; END IF;
    cc := CASE WHEN left(d, 1) = ANY (codes) THEN left(d, 1) WHEN left(d, 2) = ANY (codes) THEN left(d, 2)
               WHEN left(d, 3) = ANY (codes) THEN left(d, 3)
               WHEN left(d, 1) IN ('1', '7') THEN left(d, 1) ELSE left(d, 2) END;
    keep := keep + length(cc);
    d := substr(d, length(cc) + 1);
  END IF;
  keep := keep + length(d) - length(ltrim(d, '0'));
  IF keep = 0 THEN RETURN pg_temp.gm_tokenize(v); END IF;
  FOR i IN 1..length(v) LOOP
    IF substr(v, i, 1) ~ '[0-9]' THEN seen := seen + 1; END IF;
    IF seen = keep THEN
      RETURN left(v, i) || pg_temp.gm_tokenize(substr(v, i + 1));
    END IF;
  END LOOP;
  RETURN v;
END $$;

CREATE FUNCTION pg_temp.gm_name_word(w text, part text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN pg_temp.gm_case(w, pg_temp.gm_word(
    hmac(convert_to(part || ':' || lower(w), 'UTF8'), pg_temp.gm_key(), 'sha256'), 0,
    CASE WHEN part = 'first' THEN ${arr(FIRST_SYLLABLES)} ELSE ${arr(LAST_SYLLABLES)} END));
END $$;

CREATE FUNCTION pg_temp.gm_name(v text, part text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE out text := ''; p text[]; n int := 0;
BEGIN
  FOR p IN SELECT x FROM regexp_matches(v, '([A-Za-z]+)|([^A-Za-z]+)', 'g') x LOOP
    IF p[1] IS NULL THEN
      out := out || p[2];
    ELSE
      n := n + 1;
      out := out || pg_temp.gm_name_word(p[1],
        CASE WHEN part = 'full' THEN CASE WHEN n = 1 THEN 'first' ELSE 'last' END ELSE part END);
    END IF;
  END LOOP;
  RETURN out;
END $$;

CREATE FUNCTION pg_temp.gm_number(d text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE h bytea := hmac(convert_to('num:' || d, 'UTF8'), pg_temp.gm_key(), 'sha256'); out text := '';
BEGIN
  FOR i IN 1..length(d) LOOP
    out := out || CASE WHEN i = 1 AND left(d, 1) <> '0' THEN (get_byte(h, 0) % 9 + 1)::text
                       ELSE (get_byte(h, (i - 1) % 32) % 10)::text END;
  END LOOP;
  RETURN out;
END $$;

CREATE FUNCTION pg_temp.gm_address(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE out text := ''; p text[];
BEGIN
  FOR p IN SELECT x FROM regexp_matches(v, '([A-Za-z]+)|([0-9]+)|([^A-Za-z0-9]+)', 'g') x LOOP
    out := out || CASE
      WHEN p[1] IS NOT NULL AND (lower(p[1]) = ANY (${arr(ADDRESS_KEEP)})
        OR (length(p[1]) = 2 AND p[1] = upper(p[1]))) THEN p[1]
      WHEN p[1] IS NOT NULL THEN pg_temp.gm_case(p[1], pg_temp.gm_word(
        hmac(convert_to('place:' || lower(p[1]), 'UTF8'), pg_temp.gm_key(), 'sha256'), 0, ${arr(LAST_SYLLABLES)}))
      WHEN p[2] IS NOT NULL THEN pg_temp.gm_number(p[2])
      ELSE p[3] END;
  END LOOP;
  RETURN out;
END $$;

CREATE FUNCTION pg_temp.gm_ip(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE h bytea := hmac(convert_to('ip:' || lower(btrim(v)), 'UTF8'), pg_temp.gm_key(), 'sha256');
BEGIN
  IF strpos(v, ':') > 0 THEN
    RETURN '2001:db8:' || encode(substr(h, 1, 2), 'hex') || ':' || encode(substr(h, 3, 2), 'hex')
         || '::' || encode(substr(h, 5, 2), 'hex');
  END IF;
  RETURN (10 + get_byte(h, 0) % 200) || '.' || get_byte(h, 1) || '.' || get_byte(h, 2) || '.' || get_byte(h, 3);
END $$;

CREATE FUNCTION pg_temp.gm_scramble(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE b bytea := ''::bytea; out text := ''; c text; x int;
BEGIN
  FOR j IN 0..greatest(length(v) - 1, 0) / 32 LOOP
    b := b || hmac(convert_to('scr:' || j || ':' || v, 'UTF8'), pg_temp.gm_key(), 'sha256');
  END LOOP;
  FOR i IN 1..length(v) LOOP
    c := substr(v, i, 1);
    x := get_byte(b, i - 1);
    out := out || CASE WHEN c >= '0' AND c <= '9' THEN chr(48 + x % 10)
                       WHEN c >= 'a' AND c <= 'z' THEN chr(97 + x % 26)
                       WHEN c >= 'A' AND c <= 'Z' THEN chr(65 + x % 26) ELSE c END;
  END LOOP;
  RETURN out;
END $$;

CREATE FUNCTION pg_temp.gm_hash(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT encode(pg_temp.gm_h('hash:' || v), 'hex') $$;

CREATE FUNCTION pg_temp.gm_hash_bytes(v bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
  $$ SELECT hmac(v, pg_temp.gm_key(), 'sha256') $$;

CREATE FUNCTION pg_temp.gm_partial(v text, keep int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
  $$ SELECT repeat('*', greatest(length(v) - keep, 0)) || right(v, keep) $$;

CREATE FUNCTION pg_temp.gm_encrypt(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE iv bytea := substr(pg_temp.gm_h('iv:' || v), 1, 16);
BEGIN
  RETURN translate(encode(iv || encrypt_iv(convert_to(v, 'UTF8'), pg_temp.gm_h('enc'), iv,
    'aes-cbc/pad:pkcs'), 'base64'), E'\\n', '');
END $$;

CREATE FUNCTION pg_temp.gm_shift_days(entity text, days int) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (('x' || encode(substr(pg_temp.gm_h('shift:' || entity), 1, 4), 'hex'))::bit(32)::bigint
    % (2 * days + 1))::int - days
$$;

CREATE FUNCTION pg_temp.gm_noise(v numeric, bound float8) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN v * (1 + ((('x' || encode(substr(pg_temp.gm_h('noise:' || trim_scale(v)::text), 1, 4),
    'hex'))::bit(32)::bigint % 2001 - 1000) / 1000.0) * bound::numeric);
END $$;

-- Known names (lower case) scrub replaces in free text; filled by provisioning per session.
CREATE TEMP TABLE gm_first_names (n text PRIMARY KEY);
CREATE TEMP TABLE gm_last_names (n text PRIMARY KEY);

-- Distinct matches of a pattern, longest first, then by code point: the order Node replaces in.
-- A loop of regexp_instr/regexp_substr calls, not a query: scrub runs once per value of every
-- free-text column, and a query per pattern cost more than all the matching.
CREATE FUNCTION pg_temp.gm_matches(t text, pattern text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE out text[] := '{}'; x text; b int; e int; s int := 1; i int;
BEGIN
  LOOP
    b := regexp_instr(t, pattern, s);
    EXIT WHEN b = 0;
    e := regexp_instr(t, pattern, s, 1, 1);
    x := substr(t, b, e - b);
    s := greatest(e, b + 1);
    IF NOT x = ANY (out) THEN
      i := 1;
      WHILE i <= cardinality(out) AND (length(out[i]) > length(x)
        OR (length(out[i]) = length(x) AND out[i] COLLATE "C" < x COLLATE "C")) LOOP
        i := i + 1;
      END LOOP;
      out := out[1:i - 1] || x || out[i:];
    END IF;
  END LOOP;
  RETURN out;
END $$;

-- The placeholder of scrub's i-th entity (see placeholder in strategies.ts): U+E000, i's digits
-- as U+E010-U+E019, U+E001. No scrub pattern matches it, so a later pass never rewrites part of
-- an earlier one's masked value.
CREATE FUNCTION pg_temp.gm_hold(i int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT chr(57344) || translate(i::text, '0123456789',
    chr(57360) || chr(57361) || chr(57362) || chr(57363) || chr(57364) || chr(57365) || chr(57366)
    || chr(57367) || chr(57368) || chr(57369)) || chr(57345)
$$;

CREATE FUNCTION pg_temp.gm_scrub(v text) RETURNS text
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE t text := v; m text; part text; held text[] := '{}';
BEGIN
  -- Cheap guards first: most values (ids, statuses, short labels) hold no entity at all.
  IF strpos(t, '@') > 0 THEN
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.email)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_email(m);
      END IF;
    END LOOP;
  END IF;
  IF t ~ '[0-9]{4}' THEN
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.iban)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_tokenize(m);
      END IF;
    END LOOP;
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.card)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_tokenize(m);
      END IF;
    END LOOP;
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.taxId)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_tokenize(m);
      END IF;
    END LOOP;
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.phone)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_phone(m);
      END IF;
    END LOOP;
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.phoneIntl)}) LOOP
      IF length(regexp_replace(m, '[^0-9]', '', 'g')) BETWEEN 9 AND 15
        AND m !~ ${re(`^${SCRUB_PATTERNS.taxId}$`)}
        AND strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_phone(m);
      END IF;
    END LOOP;
  END IF;
  IF t ~ '[0-9]' THEN
    FOREACH m IN ARRAY pg_temp.gm_matches(t, ${re(SCRUB_PATTERNS.street)}) LOOP
      IF strpos(t, m) > 0 THEN
        t := replace(t, m, pg_temp.gm_hold(cardinality(held)));
        held := held || pg_temp.gm_address(m);
      END IF;
    END LOOP;
  END IF;
  IF t ~ '[${NAME_CAPITALS}]' THEN
    FOR m, part IN
      SELECT y, CASE WHEN f.n IS NOT NULL THEN 'first' ELSE 'last' END
      FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.word)}, 'g') x) s
      LEFT JOIN pg_temp.gm_first_names f ON f.n = lower(s.y)
      LEFT JOIN pg_temp.gm_last_names l ON l.n = lower(s.y)
      WHERE f.n IS NOT NULL OR l.n IS NOT NULL
      ORDER BY length(y) DESC, y COLLATE "C" LOOP
      t := regexp_replace(t, '\\m' || m || '\\M', pg_temp.gm_name_word(m, part), 'g');
    END LOOP;
  END IF;
  FOR i IN REVERSE cardinality(held) - 1 .. 0 LOOP
    t := replace(t, pg_temp.gm_hold(i), held[i + 1]);
  END LOOP;
  RETURN t;
END $$;

-- One text value through a strategy: what JSONB leaves use (columns call the functions directly).
-- Whether a value has its category's shape (see fitsCategory in strategies.ts).
CREATE FUNCTION pg_temp.gm_fits(category text, v text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE category WHEN 'email' THEN strpos(v, '@') > 0
    WHEN 'phone' THEN strpos(v, '@') = 0 AND length(regexp_replace(v, '[^0-9]', '', 'g')) >= 7
    ELSE true END
$$;

CREATE FUNCTION pg_temp.gm_text(v text, strategy text, category text, params jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN CASE strategy
    WHEN 'substitute' THEN CASE
      WHEN NOT pg_temp.gm_fits(coalesce(params->>'category', category), v) THEN pg_temp.gm_scrub(v)
      ELSE CASE coalesce(params->>'category', category)
      WHEN 'email' THEN pg_temp.gm_email(v)
      WHEN 'phone' THEN pg_temp.gm_phone(v)
      WHEN 'person_name' THEN pg_temp.gm_name(v, coalesce(params->>'part', 'full'))
      WHEN 'postal_address' THEN pg_temp.gm_address(v)
      WHEN 'ip_address' THEN pg_temp.gm_ip(v)
      WHEN 'payment_card' THEN pg_temp.gm_tokenize(v)
      WHEN 'bank_account' THEN pg_temp.gm_tokenize(v)
      WHEN 'government_id' THEN pg_temp.gm_tokenize(v)
      WHEN 'credential' THEN pg_temp.gm_hash(v)
      WHEN 'free_text_pii' THEN pg_temp.gm_scrub(v)
      ELSE pg_temp.gm_scramble(v) END END
    WHEN 'scramble' THEN pg_temp.gm_scramble(v)
    WHEN 'tokenize' THEN pg_temp.gm_tokenize(v)
    WHEN 'encrypt' THEN pg_temp.gm_encrypt(v)
    WHEN 'hash' THEN pg_temp.gm_hash(v)
    WHEN 'partial' THEN pg_temp.gm_partial(v, coalesce((params->>'keep')::int, 4))
    WHEN 'nullify' THEN NULL
    WHEN 'scrub' THEN pg_temp.gm_scrub(v)
    WHEN 'noise' THEN CASE WHEN v ~ '^-?[0-9]+(\\.[0-9]+)?$'
      THEN trim_scale(round(pg_temp.gm_noise(v::numeric, coalesce((params->>'bound')::float8, 0.1)), 2))::text
      ELSE pg_temp.gm_scramble(v) END
    WHEN 'date_shift' THEN CASE WHEN v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
      THEN to_char(left(v, 10)::date + pg_temp.gm_shift_days(v, coalesce((params->>'days')::int, 30)), 'YYYY-MM-DD')
      ELSE pg_temp.gm_scramble(v) END
    ELSE v END;
END $$;

`;
}
