/**
 * The PermissionStore port: what the authorizer asks the store, in ONE call per decision.
 *
 * The store holds
 * - grants: permissions per subject (`sub` claim) or per group (`cognito:groups` / `groups`),
 *   each optionally with an expiry; they ADD to the scopes the token carries;
 * - a revocation list: a token id (`jti`) or a whole subject, each with an expiry
 *   (a revoked token id need not outlive the token's own `exp`).
 *
 * Expiries are epoch SECONDS. Readers must treat an expired record as absent even where the
 * store deletes it late (DynamoDB TTL runs within days, not seconds).
 */

export interface Principal {
  readonly sub: string;
  readonly groups: readonly string[];
  readonly jti?: string;
}

export interface PermissionLookup {
  /** Permissions granted to the subject and to each of its groups (store side only). */
  readonly permissions: ReadonlySet<string>;
  /** Why the caller is revoked, or false. */
  readonly revoked: false | 'token' | 'subject';
}

export interface PermissionStore {
  lookup(principal: Principal, nowSeconds: number): Promise<PermissionLookup>;
}

/** Write side, for operators and tests. The authorizer's IAM role / network path never needs it. */
export interface PermissionAdmin {
  grant(target: GrantTarget, permissions: readonly string[], expiresAt?: number): Promise<void>;
  revokeToken(jti: string, expiresAt: number): Promise<void>;
  revokeSubject(sub: string, expiresAt: number): Promise<void>;
}

export type GrantTarget = { readonly sub: string } | { readonly group: string };

/** Record keys shared by every adapter, so an operator script works against either store. */
export const keys = {
  grant: (target: GrantTarget) => ('sub' in target ? `grant#sub#${target.sub}` : `grant#group#${target.group}`),
  revokedToken: (jti: string) => `revoked#jti#${jti}`,
  revokedSubject: (sub: string) => `revoked#sub#${sub}`,
};

/** Upper bounds that keep one lookup to one round trip (DynamoDB BatchGetItem takes 100 keys). */
export const MAX_GROUPS = 25;
