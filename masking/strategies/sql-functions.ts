import { SCRUB_PATTERNS } from "./strategies.ts";
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

CREATE FUNCTION pg_temp.gm_word(h bytea, o int, syl text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT upper(left(w, 1)) || substr(w, 2) FROM (
    SELECT syl[get_byte(h, o + 1) % 32 + 1] || syl[get_byte(h, o + 2) % 32 + 1]
      || CASE WHEN get_byte(h, o) % 2 = 1 THEN syl[get_byte(h, o + 3) % 32 + 1] ELSE '' END
      || CASE WHEN get_byte(h, o + 4) % 2 = 1
           THEN (${arr(ENDINGS)})[get_byte(h, o + 5) % 8 + 1] ELSE '' END AS w) s
$$;

CREATE FUNCTION pg_temp.gm_case(token text, o text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(token) > 1 AND token = upper(token) AND token <> lower(token) THEN upper(o)
              WHEN token = lower(token) THEN lower(o) ELSE o END
$$;

CREATE FUNCTION pg_temp.gm_email(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(pg_temp.gm_word(h, 0, ${arr(FIRST_SYLLABLES)})) || '.'
      || lower(pg_temp.gm_word(h, 8, ${arr(LAST_SYLLABLES)})) || '.'
      || encode(substr(h, 17, 4), 'hex') || '@'
      || (${arr(EMAIL_DOMAINS)})[get_byte(h, 24) % 3 + 1]
  FROM (SELECT pg_temp.gm_h('email:' || lower(btrim(v))) AS h) s
$$;

CREATE FUNCTION pg_temp.gm_round(r int, half text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ('x' || encode(substr(pg_temp.gm_h('tok:' || r || ':' || half), 1, 7), 'hex'))::bit(56)::bigint::numeric
$$;

CREATE FUNCTION pg_temp.gm_pad(x numeric, len int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN len = 0 THEN '' ELSE lpad(trunc(x)::text, len, '0') END
$$;

CREATE FUNCTION pg_temp.gm_feistel(d text, decrypt boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE n int := length(d); u int; v int; a numeric; b numeric; ma numeric; mb numeric;
        r int; f numeric;
BEGIN
  IF n = 0 THEN RETURN d; END IF;
  u := n / 2; v := n - u;
  ma := power(10::numeric, u)::numeric(60, 0); mb := power(10::numeric, v)::numeric(60, 0);
  a := CASE WHEN u = 0 THEN 0 ELSE left(d, u)::numeric END;
  b := substr(d, u + 1)::numeric;
  FOR i IN 0..9 LOOP
    r := CASE WHEN decrypt THEN 9 - i ELSE i END;
    IF r % 2 = 0 THEN
      f := mod(pg_temp.gm_round(r, pg_temp.gm_pad(b, v)), ma);
      a := CASE WHEN decrypt THEN mod(mod(a - f, ma) + ma, ma) ELSE mod(a + f, ma) END;
    ELSE
      f := mod(pg_temp.gm_round(r, pg_temp.gm_pad(a, u)), mb);
      b := CASE WHEN decrypt THEN mod(mod(b - f, mb) + mb, mb) ELSE mod(b + f, mb) END;
    END IF;
  END LOOP;
  RETURN pg_temp.gm_pad(a, u) || pg_temp.gm_pad(b, v);
END $$;

-- Digits replaced in order by their Feistel token, every other character kept.
CREATE FUNCTION pg_temp.gm_tokenize(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(CASE WHEN isd THEN substr(t, k::int, 1) ELSE c END, '' ORDER BY i), '')
  FROM (SELECT i, c, t, c ~ '^[0-9]$' AS isd,
               count(*) FILTER (WHERE c ~ '^[0-9]$') OVER (ORDER BY i) AS k
        FROM (SELECT pg_temp.gm_feistel(regexp_replace(v, '[^0-9]', '', 'g'), false) AS t) s,
             LATERAL (SELECT i, substr(v, i, 1) AS c FROM generate_series(1, length(v)) i) x) y
$$;

CREATE FUNCTION pg_temp.gm_phone(v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE keep int := 0; seen int := 0; first_digit text;
BEGIN
  IF left(ltrim(v), 1) = '+' THEN
    first_digit := left(regexp_replace(v, '[^0-9]', '', 'g'), 1);
    keep := CASE WHEN first_digit IN ('1', '7') THEN 1 ELSE 2 END;
    FOR i IN 1..length(v) LOOP
      IF substr(v, i, 1) ~ '[0-9]' THEN seen := seen + 1; END IF;
      IF seen = keep THEN
        RETURN left(v, i) || pg_temp.gm_tokenize(substr(v, i + 1));
      END IF;
    END LOOP;
  END IF;
  RETURN pg_temp.gm_tokenize(v);
END $$;

CREATE FUNCTION pg_temp.gm_name_word(w text, part text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_temp.gm_case(w, pg_temp.gm_word(pg_temp.gm_h(part || ':' || lower(w)), 0,
    CASE WHEN part = 'first' THEN ${arr(FIRST_SYLLABLES)} ELSE ${arr(LAST_SYLLABLES)} END))
$$;

CREATE FUNCTION pg_temp.gm_name(v text, part text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(CASE WHEN p[1] IS NULL THEN p[2] ELSE pg_temp.gm_name_word(p[1],
      CASE WHEN part = 'full' THEN CASE WHEN n = 1 THEN 'first' ELSE 'last' END ELSE part END)
    END, '' ORDER BY o), '')
  FROM (SELECT p, o, count(p[1]) OVER (ORDER BY o) AS n
        FROM regexp_matches(v, '([A-Za-z]+)|([^A-Za-z]+)', 'g') WITH ORDINALITY AS x(p, o)) s
$$;

CREATE FUNCTION pg_temp.gm_number(d text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_agg(CASE WHEN i = 1 AND left(d, 1) <> '0' THEN (get_byte(h, 0) % 9 + 1)::text
                         ELSE (get_byte(h, (i - 1) % 32) % 10)::text END, '' ORDER BY i)
  FROM (SELECT pg_temp.gm_h('num:' || d) AS h) s, generate_series(1, length(d)) i
$$;

CREATE FUNCTION pg_temp.gm_address(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(CASE
      WHEN p[1] IS NOT NULL AND (lower(p[1]) = ANY (${arr(ADDRESS_KEEP)})
        OR (length(p[1]) = 2 AND p[1] = upper(p[1]))) THEN p[1]
      WHEN p[1] IS NOT NULL THEN pg_temp.gm_case(p[1],
        pg_temp.gm_word(pg_temp.gm_h('place:' || lower(p[1])), 0, ${arr(LAST_SYLLABLES)}))
      WHEN p[2] IS NOT NULL THEN pg_temp.gm_number(p[2])
      ELSE p[3] END, '' ORDER BY o), '')
  FROM regexp_matches(v, '([A-Za-z]+)|([0-9]+)|([^A-Za-z0-9]+)', 'g') WITH ORDINALITY AS x(p, o)
$$;

CREATE FUNCTION pg_temp.gm_ip(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN strpos(v, ':') > 0
    THEN '2001:db8:' || encode(substr(h, 1, 2), 'hex') || ':' || encode(substr(h, 3, 2), 'hex')
         || '::' || encode(substr(h, 5, 2), 'hex')
    ELSE (10 + get_byte(h, 0) % 200) || '.' || get_byte(h, 1) || '.' || get_byte(h, 2) || '.'
         || get_byte(h, 3) END
  FROM (SELECT pg_temp.gm_h('ip:' || lower(btrim(v))) AS h) s
$$;

CREATE FUNCTION pg_temp.gm_scramble(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(CASE
      WHEN c ~ '^[0-9]$' THEN chr(48 + get_byte(b, i - 1) % 10)
      WHEN c ~ '^[a-z]$' THEN chr(97 + get_byte(b, i - 1) % 26)
      WHEN c ~ '^[A-Z]$' THEN chr(65 + get_byte(b, i - 1) % 26)
      ELSE c END, '' ORDER BY i), '')
  FROM (SELECT string_agg(pg_temp.gm_h('scr:' || j || ':' || v), ''::bytea ORDER BY j) AS b
        FROM generate_series(0, greatest(length(v) - 1, 0) / 32) j) s,
       LATERAL (SELECT i, substr(v, i, 1) AS c FROM generate_series(1, length(v)) i) x
$$;

CREATE FUNCTION pg_temp.gm_hash(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT encode(pg_temp.gm_h('hash:' || v), 'hex') $$;

CREATE FUNCTION pg_temp.gm_hash_bytes(v bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
  $$ SELECT hmac(v, pg_temp.gm_key(), 'sha256') $$;

CREATE FUNCTION pg_temp.gm_partial(v text, keep int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
  $$ SELECT repeat('*', greatest(length(v) - keep, 0)) || right(v, keep) $$;

CREATE FUNCTION pg_temp.gm_encrypt(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(encode(iv || encrypt_iv(convert_to(v, 'UTF8'), pg_temp.gm_h('enc'), iv,
    'aes-cbc/pad:pkcs'), 'base64'), E'\\n', '')
  FROM (SELECT substr(pg_temp.gm_h('iv:' || v), 1, 16) AS iv) s
$$;

CREATE FUNCTION pg_temp.gm_shift_days(entity text, days int) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (('x' || encode(substr(pg_temp.gm_h('shift:' || entity), 1, 4), 'hex'))::bit(32)::bigint
    % (2 * days + 1))::int - days
$$;

CREATE FUNCTION pg_temp.gm_noise(v numeric, bound float8) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT v * (1 + ((('x' || encode(substr(pg_temp.gm_h('noise:' || trim_scale(v)::text), 1, 4),
    'hex'))::bit(32)::bigint % 2001 - 1000) / 1000.0) * bound::numeric)
$$;

-- Known names (lower case) scrub replaces in free text; filled by provisioning per session.
CREATE TEMP TABLE gm_first_names (n text PRIMARY KEY);
CREATE TEMP TABLE gm_last_names (n text PRIMARY KEY);

CREATE FUNCTION pg_temp.gm_scrub(v text) RETURNS text
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE t text := v; m text; part text;
BEGIN
  FOR m IN SELECT y FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.email)}, 'g') x) s
           ORDER BY length(y) DESC, y COLLATE "C" LOOP
    t := replace(t, m, pg_temp.gm_email(m));
  END LOOP;
  FOR m IN SELECT y FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.card)}, 'g') x) s
           ORDER BY length(y) DESC, y COLLATE "C" LOOP
    t := replace(t, m, pg_temp.gm_tokenize(m));
  END LOOP;
  FOR m IN SELECT y FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.phone)}, 'g') x) s
           ORDER BY length(y) DESC, y COLLATE "C" LOOP
    t := replace(t, m, pg_temp.gm_phone(m));
  END LOOP;
  FOR m IN SELECT y FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.street)}, 'g') x) s
           ORDER BY length(y) DESC, y COLLATE "C" LOOP
    t := replace(t, m, pg_temp.gm_address(m));
  END LOOP;
  FOR m IN SELECT y FROM (SELECT DISTINCT x[1] AS y FROM regexp_matches(t, ${re(SCRUB_PATTERNS.word)}, 'g') x) s
           ORDER BY length(y) DESC, y COLLATE "C" LOOP
    part := CASE WHEN EXISTS (SELECT 1 FROM pg_temp.gm_first_names WHERE n = lower(m)) THEN 'first'
                 WHEN EXISTS (SELECT 1 FROM pg_temp.gm_last_names WHERE n = lower(m)) THEN 'last' END;
    IF part IS NOT NULL THEN
      t := regexp_replace(t, '\\m' || m || '\\M', pg_temp.gm_name_word(m, part), 'g');
    END IF;
  END LOOP;
  RETURN t;
END $$;

-- One text value through a strategy: what JSONB leaves use (columns call the functions directly).
CREATE FUNCTION pg_temp.gm_text(v text, strategy text, category text, params jsonb) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE strategy
    WHEN 'substitute' THEN CASE coalesce(params->>'category', category)
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
      ELSE pg_temp.gm_scramble(v) END
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
    ELSE v END
$$;

-- A JSONB document with a rule per key path ({"path": {"s": strategy, "c": category, "p": params}},
-- "*" for every other string leaf). Paths: 'address.street', 'items[].email', '[].line1'.
CREATE FUNCTION pg_temp.gm_jsonb(j jsonb, rules jsonb, path text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE rule jsonb; out jsonb; masked text;
BEGIN
  IF j IS NULL THEN RETURN NULL; END IF;
  CASE jsonb_typeof(j)
  WHEN 'object' THEN
    SELECT coalesce(jsonb_object_agg(k, pg_temp.gm_jsonb(val, rules,
             CASE WHEN path = '' THEN k ELSE path || '.' || k END)), '{}'::jsonb)
      INTO out FROM jsonb_each(j) AS e(k, val);
    RETURN out;
  WHEN 'array' THEN
    SELECT coalesce(jsonb_agg(pg_temp.gm_jsonb(val, rules, path || '[]') ORDER BY o), '[]'::jsonb)
      INTO out FROM jsonb_array_elements(j) WITH ORDINALITY AS e(val, o);
    RETURN out;
  ELSE
    rule := coalesce(rules -> path, rules -> regexp_replace(path, '^\\[\\]\\.?', ''), rules -> '*');
    IF rule IS NULL OR rule->>'s' = 'allow' THEN RETURN j; END IF;
    IF rule->>'s' = 'nullify' THEN RETURN 'null'::jsonb; END IF;
    IF jsonb_typeof(j) = 'string' THEN
      masked := pg_temp.gm_text(j #>> '{}', rule->>'s', rule->>'c', coalesce(rule->'p', '{}'));
      RETURN coalesce(to_jsonb(masked), 'null'::jsonb);
    END IF;
    IF jsonb_typeof(j) = 'number' AND rule->>'s' = 'noise' THEN
      RETURN to_jsonb(round(pg_temp.gm_noise((j #>> '{}')::numeric,
        coalesce((rule->'p'->>'bound')::float8, 0.1)), 2));
    END IF;
    RETURN j;
  END CASE;
END $$;
`;
}
