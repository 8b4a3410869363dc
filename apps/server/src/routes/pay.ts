import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, type CheckoutInfo, type Services } from '@clinic/api';

export const PAY_PATH = '/pay';

/** Misses (unknown ids) one address may look up before it has to wait: ids are not for guessing. */
const MISS_LIMIT = { max: 20, windowSeconds: 15 * 60 };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON for inside a <script>: no `</script>`, no HTML comment openers. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
const money = (m: { amount: number; currency: string }) => `${m.currency} ${(m.amount / 100).toFixed(2)}`;

/**
 * Only this page's own inline style and script (by nonce) and Stripe.js. Stripe documents frame-src
 * https://hooks.stripe.com (3-D Secure) and connect-src https://api.stripe.com as needed by the Payment
 * Element; pages without a payment form allow no script at all.
 */
function csp(nonce: string, stripe: boolean) {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    ...(stripe
      ? [`script-src 'nonce-${nonce}' https://js.stripe.com`, 'frame-src https://js.stripe.com https://hooks.stripe.com', 'connect-src https://api.stripe.com']
      : []),
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f5f7f8;color:#1b2428;margin:0}
main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.2rem;margin:0 0 1rem}.amount{font-size:1.6rem;font-weight:600;margin:.5rem 0 1rem}
button{width:100%;margin-top:1rem;padding:.8rem;border:0;border-radius:8px;background:#0b6e4f;color:#fff;font-size:1rem}
button:disabled{opacity:.6}#message{min-height:1.2em}`;

function page(reply: FastifyReply, status: number, opts: { title: string; body: string; script?: string; stripe?: boolean }) {
  const nonce = randomBytes(16).toString('base64');
  const scripts = opts.script
    ? `<script src="https://js.stripe.com/v3/"></script>\n<script nonce="${nonce}">${opts.script}</script>`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(opts.title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main>${opts.body}</main>${scripts}</body></html>`;
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', csp(nonce, !!opts.stripe))
    // The page may carry a client secret: never cached, never indexed.
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .send(html);
}

function summary(info: CheckoutInfo) {
  return `<h1>${escapeHtml(info.clinicName)}</h1>
<p>Appointment with ${escapeHtml(info.physician)}<br>${escapeHtml(info.local)} (${escapeHtml(info.timeZone)})</p>
<p class="amount">${escapeHtml(money(info.amount))}</p>`;
}

/** Mounts the Payment Element; a payment already made (e.g. back from a 3-D Secure redirect) is not offered again. */
const CHECKOUT_SCRIPT = `(function () {
  var cfg = JSON.parse(document.getElementById('checkout').textContent);
  var message = document.getElementById('message');
  var form = document.getElementById('pay');
  var button = document.getElementById('submit');
  var done = function () { form.hidden = true; message.textContent = 'Thank you: your payment has been received. Your booking is confirmed as soon as it clears.'; };
  if (typeof Stripe !== 'function') { message.textContent = 'The payment form could not be loaded. Please try again later or pay at the clinic.'; return; }
  var stripe = cfg.stripeAccount ? Stripe(cfg.publishableKey, { stripeAccount: cfg.stripeAccount }) : Stripe(cfg.publishableKey);
  stripe.retrievePaymentIntent(cfg.clientSecret).then(function (r) {
    var status = r.paymentIntent && r.paymentIntent.status;
    if (status === 'succeeded' || status === 'processing') return done();
    var elements = stripe.elements({ clientSecret: cfg.clientSecret });
    elements.create('payment').mount('#element');
    form.hidden = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      button.disabled = true;
      message.textContent = '';
      stripe.confirmPayment({ elements: elements, redirect: 'if_required', confirmParams: { return_url: location.origin + location.pathname } }).then(function (res) {
        if (res.error) { message.textContent = res.error.message || 'The payment did not go through.'; button.disabled = false; }
        else done();
      });
    });
  });
})();`;

/**
 * The page a WhatsApp payment link opens: `GET /pay/:checkoutToken`. The payment's random checkout token
 * (sent to the patient only) and Stripe's client secret are the capability, as with Stripe's own payment links; the page shows
 * nothing about the patient. Without a publishable key it asks the patient to pay at the clinic.
 */
export async function payPageRoutes(app: FastifyInstance, opts: { services: Services; publishableKey: string | null }) {
  const { services } = opts;

  app.get<{ Params: { checkoutToken: string } }>(`${PAY_PATH}/:checkoutToken`, async (req, reply) => {
    const key = req.ip;
    let info: CheckoutInfo | null;
    try {
      await services.rateLimiter.check('pay-page-miss', key, MISS_LIMIT);
      info = await services.payments.checkoutInfo(req.params.checkoutToken);
      if (!info) await services.rateLimiter.hit('pay-page-miss', key, MISS_LIMIT);
    } catch (err) {
      if (err instanceof AppError && err.code === 'RATE_LIMITED') {
        if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
        return page(reply, 429, { title: 'Too many attempts', body: '<h1>Too many attempts</h1><p>Please try again later.</p>' });
      }
      throw err;
    }

    if (!info) {
      return page(reply, 404, { title: 'Payment not found', body: '<h1>Payment not found</h1><p>This payment link is not valid. Please check the link you were sent, or contact the clinic.</p>' });
    }
    const head = summary(info);
    const title = `Pay ${info.clinicName}`;
    switch (info.status) {
      case 'succeeded':
        return page(reply, 200, { title, body: `${head}<p><strong>This appointment is already paid.</strong> Nothing more to do.</p>` });
      case 'covered':
        return page(reply, 200, { title, body: `${head}<p><strong>Your insurance covers this appointment.</strong> Nothing to pay.</p>` });
      case 'refund_pending':
      case 'refunded':
        return page(reply, 200, { title, body: `${head}<p>This payment has been refunded.</p>` });
      case 'failed':
      case 'requires_payment':
        break;
    }
    if (!info.clientSecret) {
      return page(reply, 200, { title, body: `${head}<p>This booking is no longer waiting for payment. Please book again or contact the clinic.</p>` });
    }
    if (!opts.publishableKey) {
      return page(reply, 200, { title, body: `${head}<p>Online payment is not available right now. Please pay at the clinic when you arrive.</p>` });
    }
    // A connected clinic's intent lives on its account: Stripe.js is told which (Stripe Connect direct charges).
    const config = scriptJson({ publishableKey: opts.publishableKey, clientSecret: info.clientSecret, stripeAccount: info.stripeAccountId });
    return page(reply, 200, {
      title,
      stripe: true,
      body: `${head}
<form id="pay" hidden><div id="element"></div><button id="submit" type="submit">Pay ${escapeHtml(money(info.amount))}</button></form>
<p id="message" role="status"></p>
<script type="application/json" id="checkout">${config}</script>`,
      script: CHECKOUT_SCRIPT,
    });
  });
}
