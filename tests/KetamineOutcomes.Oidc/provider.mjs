// A real OpenID provider for the bearer-token tests (oidc-provider, the certified Node implementation), on 127.0.0.1.
// Started by KetamineOutcomes.Api.Tests/OidcProvider: `node provider.mjs <settings.json>`, where the settings are
//   { "clients": [{ "clientId", "clientSecret", "alg"?: "RS256"|"ES256"|"PS256", "claims": { "roles", "site", "name", … } }] }
// Each client gets access tokens through the client-credentials grant: JWTs (typ at+jwt) whose audience is the
// requested resource indicator, with the client's chosen claims. sub is the client id (oidc-provider sets it).
// SMART scopes: a client may carry "scope" (space-separated, e.g. "system/Observation.rs"); those are the scopes the
// resource server grants it, so a token request asking for them gets them in the JWT's scope claim.
// Prints one line "listening http://127.0.0.1:<port>" once it serves; exits when stdin closes (the test process died).
//
// People (the dashboard's sign-in tests), optional in the same settings file:
//   "users": [{ "sub", "username", "password", "claims": { "name", "roles", "site", … } }]
//   "interactiveClients": [{ "clientId", "redirectUris": [], "postLogoutRedirectUris": [] }]
// An interactive client is public (no secret, PKCE required) and uses the authorization-code grant; a user signs in on
// this script's login page (/interaction/<uid>, username and password checked against "users"). The user's access token
// is a JWT for the requested resource indicator with the user's claims (sub is the user's sub); the ID token carries
// name. The dashboard is first-party: no consent screen. Sign-out (end_session_endpoint) asks once, then returns.
//
// Test-only control routes beside the provider (never part of a real issuer):
//   POST /test/rotate  the issuer replaces its signing keys; discovery and JWKS then name only the new ones.
//   POST /test/sign    { "header": {…}, "payload": {…} } signed with the issuer's current RSA key (expired tokens,
//                      another issuer's name): what a broken or hostile token would look like, with a real signature.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const clients = new Map(settings.clients.map((c) => [c.clientId, c]));

let generation = 0;
let current; // { provider, rsa: { kid, privateKey } }

async function keyPair(alg) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${generation}`;
  return { kid, privateKey, jwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' } };
}

async function build(issuer) {
  generation += 1;
  const rsa = await keyPair('RS256');
  const ec = await keyPair('ES256');
  const ps = await keyPair('PS256');
  const provider = new Provider(issuer, withPeople({
    clients: settings.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [rsa.jwk, ec.jwk, ps.jwk] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        // Any resource indicator is an API here, so a test can ask for a token meant for another audience.
        getResourceServerInfo: async (_ctx, resource, client) => ({
          scope: smartScope('outcomes', client),
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: clients.get(client.clientId)?.alg ?? 'RS256' } },
        }),
      },
    },
    extraTokenClaims: async (_ctx, token) => clients.get(token.clientId)?.claims,
  }));
  return { provider, rsa };
}

// --- SMART scopes (issue 23): the client's own "scope" setting joins what the resource server may grant it.
function smartScope(base, client) {
  const extra = clients.get(client.clientId)?.scope;
  return extra ? `${base} ${extra}` : base;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { try { resolve(body ? JSON.parse(body) : {}); } catch (e) { reject(e); } });
    req.on('error', reject);
  });
}

async function control(req, res, issuer) {
  if (req.url === '/test/rotate') {
    current = await build(issuer);
    return { kid: current.rsa.kid };
  }
  if (req.url === '/test/sign') {
    const { header = {}, payload } = await readJson(req);
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: current.rsa.kid, ...header })
      .sign(current.rsa.privateKey);
    return { token };
  }
  res.statusCode = 404;
  return { error: 'unknown control route' };
}

const server = createServer((req, res) => {
  if (people(req, res, issuerOf(server))) return;
  if (req.method === 'POST' && req.url.startsWith('/test/')) {
    control(req, res, issuerOf(server))
      .then((body) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)); })
      .catch((e) => { res.statusCode = 500; res.end(String(e)); });
    return;
  }
  current.provider.callback()(req, res);
});

// ---- People: users, public clients, the login page ----
const users = new Map((settings.users ?? []).map((u) => [u.sub, u]));
const interactiveClients = new Map((settings.interactiveClients ?? []).map((c) => [c.clientId, c]));

function publicClient(c) {
  return {
    client_id: c.clientId,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: c.redirectUris ?? [],
    post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
  };
}

// The provider's settings with the people part added; the client-credentials part is left as it is.
function withPeople(configuration) {
  return {
    ...configuration,
    clients: [...configuration.clients, ...[...interactiveClients.values()].map(publicClient)],
    findAccount: async (_ctx, sub) => (users.has(sub)
      ? { accountId: sub, claims: async () => ({ sub, name: users.get(sub).claims?.name }) }
      : undefined),
    claims: { openid: ['sub'], profile: ['name'] },
    // name in the ID token too (Entra ID and Keycloak put it there): the access token is for the API, not the page.
    conformIdTokenClaims: false,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: firstPartyGrant,
    features: {
      ...configuration.features,
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    extraTokenClaims: async (ctx, token) => (token.accountId
      ? users.get(token.accountId)?.claims
      : configuration.extraTokenClaims?.(ctx, token)),
  };
}

// The dashboard is the clinic's own application: what it asks for is granted without a consent screen.
async function firstPartyGrant(ctx) {
  const { client, session, params, provider } = ctx.oidc;
  const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
  if (grantId) return provider.Grant.find(grantId);
  if (!interactiveClients.has(client.clientId)) return undefined;
  const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope(params.scope);
  if (params.resource) grant.addResourceScope(params.resource, 'outcomes');
  await grant.save();
  return grant;
}

// The pages name an empty icon, so the browser asks for no /favicon.ico (which would be a 404 in the test's console).
const escape = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(res, title, body) {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

function loginPage(res, uid, error) {
  page(res, 'Sign in to the test issuer', `${error ? `<p role="alert">${escape(error)}</p>` : ''}`
    + `<form method="post" action="/interaction/${escape(uid)}" autocomplete="off">`
    + '<label for="username">Username</label> <input id="username" name="username" required> '
    + '<label for="password">Password</label> <input id="password" name="password" type="password" required> '
    + '<button type="submit">Sign in</button></form>');
}

async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Sign out</title></head><body><main>`
    + `<h1>Sign out of the test issuer?</h1>${form}`
    + '<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></main></body></html>';
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Signed out</title></head><body><main><h1>Signed out</h1></main></body></html>';
}

function readText(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

// GET shows the login form; POST checks the username and password against "users" and finishes the login.
async function interaction(req, res) {
  const { provider } = current;
  const { uid, prompt } = await provider.interactionDetails(req, res);
  if (prompt.name !== 'login') throw new Error(`no page for the ${prompt.name} prompt`);
  if (req.method !== 'POST') return loginPage(res, uid, null);
  const form = new URLSearchParams(await readText(req));
  const user = [...users.values()].find((u) => u.username === form.get('username'));
  if (!user || user.password !== form.get('password')) return loginPage(res, uid, 'Wrong username or password.');
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

// Routes of the people part; true when it answered the request. POST /test/redirect-uris { clientId, redirectUris,
// postLogoutRedirectUris } registers where an interactive client returns (the test learns the dashboard's port only
// after the service has started with this issuer); the provider is rebuilt with it.
function people(req, res, issuer) {
  const fail = (e) => { res.statusCode = 500; res.end(String(e)); };
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch(fail);
    return true;
  }
  if (req.method === 'POST' && req.url === '/test/redirect-uris') {
    readJson(req).then(async ({ clientId, redirectUris, postLogoutRedirectUris }) => {
      interactiveClients.set(clientId, { ...interactiveClients.get(clientId), clientId, redirectUris, postLogoutRedirectUris });
      current = await build(issuer);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ clientId }));
    }).catch(fail);
    return true;
  }
  return false;
}

function issuerOf(s) { return `http://127.0.0.1:${s.address().port}`; }

server.listen(0, '127.0.0.1', async () => {
  current = await build(issuerOf(server));
  process.stdout.write(`listening ${issuerOf(server)}\n`);
});

// The test process owns this one: when it goes (even killed), stdin closes and so does the provider.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
