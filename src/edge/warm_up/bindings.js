// The bindings of the start-up warm-up (src/edge/warm_up/mod.rs): one application, answered from
// constants. Start-up may do no I/O, so these answer at once: the D1 database (a query of the
// applications table answers the application's row, any other no row; nothing is stored), the Rate Limiting binding (always under its
// limit) and the MAC key of challenges (a constant, used only on the warm-up's own requests).
// Each answers to the type name that worker's `Env` checks (`constructor.name`), set as a plain
// property so that minifying the bundle cannot rename it.

export function warmUpEnv(passkeyConfig) {
  const row = {
    id: "app_warmup",
    name: "Warm-up",
    rp_id: "warm-up.invalid",
    rp_name: "Warm-up",
    origins: '["https://warm-up.invalid"]',
    hostnames: '["warm-up.invalid"]',
    redirect_uris: "[]",
    passkey_config: passkeyConfig,
    created_at: 0,
    updated_at: 0,
    event_retention_days: 30,
    logo_url: null,
    primary_color: null,
    support_url: null,
    webhooks: 0,
  };
  const answer = { results: [], success: true, meta: { changes: 0 } };
  // A query of the applications table finds the application; any other finds no row.
  const statement = (sql) => {
    const found = /\bFROM applications\b/.test(sql) ? row : null;
    const self = {
      bind: () => self,
      first: async (column) => (column === undefined ? found : null),
      all: async () => ({ ...answer, results: found ? [found] : [] }),
      run: async () => answer,
    };
    return self;
  };
  const db = {
    constructor: { name: "D1Database" },
    prepare: statement,
    batch: async (statements) => statements.map(() => answer),
    withSession: () => db,
  };
  return {
    DB: db,
    CEREMONY_STARTS: { constructor: { name: "Ratelimit" }, limit: async () => ({ success: true }) },
    AUTHAZ_HMAC_KEY: "warm-up key, never a real one: 32+ characters long",
  };
}
