// A real OpenID provider for the bearer-token tests (oidc-provider, the certified Node implementation), on 127.0.0.1.
// Started by KetamineOutcomes.Api.Tests/OidcProvider: `node provider.mjs <settings.json>`, where the settings are
//   { "clients": [{ "clientId", "clientSecret", "alg"?: "RS256"|"ES256"|"PS256", "claims": { "roles", "site", "name", … } }] }
// Each client gets access tokens through the client-credentials grant: JWTs (typ at+jwt) whose audience is the
// requested resource indicator, with the client's chosen claims. sub is the client id (oidc-provider sets it).
// SMART scopes: a client may carry "scope" (space-separated, e.g. "system/Observation.rs"); those are the scopes the
// resource server grants it, so a token request asking for them gets them in the JWT's scope claim.
// Prints one line "listening http://127.0.0.1:<port>" once it serves; exits when stdin closes (the test process died).
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
  const provider = new Provider(issuer, {
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
  });
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
  if (req.method === 'POST' && req.url.startsWith('/test/')) {
    control(req, res, issuerOf(server))
      .then((body) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)); })
      .catch((e) => { res.statusCode = 500; res.end(String(e)); });
    return;
  }
  current.provider.callback()(req, res);
});

function issuerOf(s) { return `http://127.0.0.1:${s.address().port}`; }

server.listen(0, '127.0.0.1', async () => {
  current = await build(issuerOf(server));
  process.stdout.write(`listening ${issuerOf(server)}\n`);
});

// The test process owns this one: when it goes (even killed), stdin closes and so does the provider.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
