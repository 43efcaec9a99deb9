// A real OAuth 2.1 authorization server for nango-mcp's sign-in tests: oidc-provider (OpenID
// certified) on loopback, with dynamic client registration, PKCE, resource indicators issuing
// JWT access tokens whose audience is the resource, and a login that signs in the test user
// without a form (the test drives the browser part with plain HTTP).
//
// Usage: node server.mjs [PORT]   (0 or none: a free port). Prints `ISSUER <url>` once listening.
// Env: TEST_USER (default alice): who signs in.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const READ = 'nango-mcp:read';
const WRITE = 'nango-mcp:write';
const port = Number(process.argv[2] ?? 0);
const user = process.env.TEST_USER || 'alice';

function signingKey(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' };
}

const jwks = {
  keys: [
    signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
    // ID tokens are RS256 by default.
    signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
  ],
};

function start(listenPort) {
  return new Promise((resolve) => {
    // The issuer needs the port, so listen first and mount the provider after.
    import('node:http').then(({ createServer }) => {
      let handler = (_req, res) => { res.statusCode = 503; res.end(); };
      const server = createServer((req, res) => handler(req, res));
      server.listen(listenPort, '127.0.0.1', () => {
        const issuer = `http://127.0.0.1:${server.address().port}`;
        handler = makeProvider(issuer).callback();
        resolve(issuer);
      });
    });
  });
}

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    jwks,
    scopes: ['openid', 'offline_access', READ, WRITE],
    claims: { openid: ['sub'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    clientDefaults: { token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: `${READ} ${WRITE}`,
          audience: resource,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  // Plain http on loopback: cookies without `secure`, as in a local set-up.
  provider.proxy = true;
  // Registration does not pin a client to the scopes it named then (clients register when first
  // refused, with only the read scope): like Keycloak's optional client scopes, every scope stays
  // available and consent decides, so a client can step up to the write scope later.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/reg') return next();
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const metadata = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    delete metadata.scope;
    ctx.req.body = metadata;
    return next();
  });
  provider.use(async (ctx, next) => {
    const match = ctx.method === 'GET' && ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params, session } = details;
    let result;
    if (prompt.name === 'login') {
      result = { login: { accountId: user } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  });
  return provider;
}

const issuer = await start(port);
console.log(`ISSUER ${issuer}`);
