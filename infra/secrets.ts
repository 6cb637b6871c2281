import { Validations, type Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StackEnvironment } from './function-environment.ts';

/**
 * The stack's keys, in Secrets Manager; a function whose schema lists a key's variable gets its
 * ARN and may read it. Resources are created in the stack's scope, so their logical IDs stay
 * those of the deployed stacks (see LeadStorage).
 */
export class StackSecrets {
  readonly adminApiKey: Secret;
  /** The ad platforms' access tokens (README "Ad platforms"). */
  readonly platformTokens: Secret;

  constructor(stack: Stack, environment: StackEnvironment) {
    const linkSigningKey = new Secret(stack, 'LinkSigningKey', {
      description: 'HMAC key that signs the accept and reject links in offer emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const sessionKey = new Secret(stack, 'SessionKey', {
      description: 'HMAC key that signs rep portal sign-in links, session cookies and form tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    this.adminApiKey = new Secret(stack, 'AdminApiKey', {
      description: 'Bearer key for the admin endpoints (lead history, routing simulator)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const sourceSigningKey = new Secret(stack, 'SourceSigningKey', {
      description: 'Master key from which each signed or token lead source gets its own secret',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    // Set by the admin, not generated: the ad platforms issue these tokens. Created holding a
    // JSON object with no token in it, so the leadgen function says which one is missing.
    const platformTokens = new Secret(stack, 'PlatformAccessTokens', {
      description: 'Ad platform access tokens by source id, e.g. {"facebook":"<page access token>","linkedin":"<access token>"}; set by the admin',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'unset', passwordLength: 16, excludePunctuation: true },
    });

    // Rotating a signing key on a schedule would void every link and session signed with the
    // old one (offers in reps' inboxes, sources' configured secrets); keys are rotated by hand,
    // at a quiet hour, as the runbook describes.
    const withoutRotation: [Secret, string][] = [
      [linkSigningKey, 'accept and reject links in offer emails already sent would stop working mid-offer'],
      [sessionKey, 'every rep would be signed out of the portal and their sign-in links voided'],
      [this.adminApiKey, 'the admin key is held by the admin CLI users; it is replaced by hand with "aws secretsmanager put-secret-value" when someone leaves'],
      [sourceSigningKey, 'every signed or token source derives its secret from it; rotating it breaks every configured partner, Typeform or HubSpot webhook at once'],
      [platformTokens, 'the tokens are issued by Meta and LinkedIn; the admin replaces them (put-secret-value) when a platform renews one'],
    ];
    for (const [secret, why] of withoutRotation) {
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: `No scheduled rotation: ${why}` });
    }

    // GetSecretValue only (grantRead adds DescribeSecret, which the functions never call).
    const readable = (secret: Secret) => (fn: IGrantable) => Grant.addToPrincipal({ grantee: fn, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
    environment.provide('LINK_SIGNING_SECRET', linkSigningKey.secretArn, readable(linkSigningKey));
    environment.provide('SESSION_SECRET', sessionKey.secretArn, readable(sessionKey));
    environment.provide('ADMIN_API_KEY_SECRET', this.adminApiKey.secretArn, readable(this.adminApiKey));
    environment.provide('SOURCE_SIGNING_SECRET', sourceSigningKey.secretArn, readable(sourceSigningKey));
    environment.provide('PLATFORM_TOKENS_SECRET', platformTokens.secretArn, readable(platformTokens));
    this.platformTokens = platformTokens;
  }
}
