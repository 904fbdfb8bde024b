import type { AuthorizerConfig } from './config.js';
import { requiredPermissions } from './routes.js';
import type { PermissionStore } from './store.js';
import { parseBearer } from './token.js';
import { KeysUnavailable, TokenRejected, type RejectReason, type TokenVerifier } from './verifier.js';

/**
 * The policy decision, independent of the API type and of the store:
 *
 *   parse the header → verify the token → find the route's rule → ONE store lookup
 *   (revocations + grants) → every required permission held? → allow, else deny.
 *
 * DEFAULT DENY: `allow` is returned from exactly one place, after every check has passed; each
 * early return, and any exception from any step (including bugs), is a deny.
 */

export interface AuthorizationRequest {
  /** The raw Authorization header value (never logged). */
  readonly authorization: string | undefined;
  /** HTTP method of the route (GET, POST, ...). */
  readonly method: string;
  /** The route's resource path as declared in the API, e.g. `/orders/{id}`. */
  readonly resource: string;
}

/** What the backend receives: strings only, nothing from the token beyond subject and scopes. */
export interface CallerContext {
  readonly sub: string;
  /** Space-separated permissions the caller holds (token scopes + store grants), sorted. */
  readonly scopes: string;
}

export type DenyReason =
  | 'missing-token'
  | 'oversized-token'
  | 'malformed-token'
  | RejectReason
  | 'revoked-token'
  | 'revoked-subject'
  | 'unknown-route'
  | 'insufficient-scope'
  | 'keys-unavailable'
  | 'store-unavailable'
  | 'internal-error';

export type Decision =
  | { readonly effect: 'allow'; readonly route: string; readonly context: CallerContext }
  /** 401: no acceptable credentials. 403: authenticated but not allowed, or we could not decide. */
  | { readonly effect: 'deny'; readonly status: 401 | 403; readonly reason: DenyReason; readonly route: string; readonly sub?: string };

export interface DecisionObserver {
  decided(decision: Decision): void;
  error(event: { stage: 'verify' | 'store' | 'internal'; error: unknown }): void;
}

export const silentObserver: DecisionObserver = { decided: () => {}, error: () => {} };

export interface GatekeeperDeps {
  readonly config: AuthorizerConfig;
  readonly verifier: TokenVerifier;
  readonly store: PermissionStore;
  readonly observer?: DecisionObserver;
  /** Epoch ms. */
  readonly clock?: () => number;
}

/** Cap on the context the backend gets (API Gateway limits the authorizer context size). */
const MAX_CONTEXT_SCOPES_LENGTH = 4000;

export class Gatekeeper {
  readonly #deps: GatekeeperDeps;
  readonly #observer: DecisionObserver;

  constructor(deps: GatekeeperDeps) {
    this.#deps = deps;
    this.#observer = deps.observer ?? silentObserver;
  }

  async authorize(request: AuthorizationRequest): Promise<Decision> {
    const route = `${String(request.method).toUpperCase()} ${String(request.resource)}`;
    let decision: Decision;
    try {
      decision = await this.#decide(request, route);
    } catch (error) {
      this.#report('internal', error);
      decision = { effect: 'deny', status: 403, reason: 'internal-error', route };
    }
    try {
      this.#observer.decided(decision);
    } catch {
      // Telemetry must never turn a deny into anything else (nor break an allow).
    }
    return decision;
  }

  #report(stage: 'verify' | 'store' | 'internal', error: unknown): void {
    try {
      this.#observer.error({ stage, error });
    } catch {
      // Same: a failing logger must not change the decision.
    }
  }

  async #decide(request: AuthorizationRequest, route: string): Promise<Decision> {
    const { config, verifier, store } = this.#deps;
    const deny = (status: 401 | 403, reason: DenyReason, sub?: string): Decision => ({
      effect: 'deny', status, reason, route, ...(sub ? { sub } : {}),
    });

    const bearer = parseBearer(request.authorization, config.maxTokenBytes);
    if (!bearer.ok) return deny(401, bearer.reason);

    let claims;
    try {
      claims = await verifier.verify(bearer.token);
    } catch (error) {
      if (error instanceof TokenRejected) return deny(401, error.reason);
      this.#report('verify', error);
      return deny(403, error instanceof KeysUnavailable ? 'keys-unavailable' : 'internal-error');
    }

    const required = requiredPermissions(config.routes, request.method, request.resource);
    if (required === undefined) return deny(403, 'unknown-route', claims.sub);

    const nowSeconds = Math.floor((this.#deps.clock ?? Date.now)() / 1000);
    let lookup;
    try {
      lookup = await store.lookup({ sub: claims.sub, groups: claims.groups, ...(claims.jti ? { jti: claims.jti } : {}) }, nowSeconds);
    } catch (error) {
      this.#report('store', error);
      return deny(403, 'store-unavailable', claims.sub);
    }
    if (lookup.revoked === 'token') return deny(401, 'revoked-token', claims.sub);
    if (lookup.revoked === 'subject') return deny(401, 'revoked-subject', claims.sub);
    if (lookup.revoked !== false) return deny(403, 'internal-error', claims.sub);

    const held = new Set([...claims.scopes, ...lookup.permissions]);
    if (!required.every((p) => held.has(p))) return deny(403, 'insufficient-scope', claims.sub);

    const scopes = [...held].sort().join(' ');
    if (scopes.length > MAX_CONTEXT_SCOPES_LENGTH) return deny(403, 'insufficient-scope', claims.sub);
    return { effect: 'allow', route, context: Object.freeze({ sub: claims.sub, scopes }) };
  }
}
