import PDFDocument from 'pdfkit';
import type { Money, Receipt } from '@clinic/contracts';

export const formatMoney = (m: Money) => `${m.currency} ${(m.amount / 100).toFixed(2)}`;

/** The receipt as a one-page A4 PDF (built-in Helvetica: no font files to ship). */
export function renderReceiptPdf(r: Receipt): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `Receipt ${r.receiptNumber}`, Author: r.clinic.name } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fontSize(18).text(r.clinic.name);
  doc.fontSize(9).fillColor('#555').text([r.clinic.legalName, r.clinic.vatTrn ? `TRN ${r.clinic.vatTrn}` : null].filter(Boolean).join(' · '));
  doc.text([r.clinic.address, r.clinic.phone, r.clinic.email].filter(Boolean).join(' · '));
  doc.moveDown(1.5).fillColor('#000').fontSize(14).text(`Receipt ${r.receiptNumber}`);
  doc.fontSize(10).text(`Issued ${r.issuedAt}`).moveDown();

  const row = (label: string, value: string) => doc.fontSize(10).text(`${label}: ${value}`);
  row('Patient', [r.patient.name, r.patient.email, r.patient.phone].filter(Boolean).join(', '));
  row('Physician', r.physician);
  row('Appointment', `${r.appointment.local} (${r.appointment.timeZone})`);
  doc.moveDown();
  row('Consultation fee', formatMoney(r.fullPrice));
  if (r.insurance) row(`Covered by ${r.insurance.insurer} (${r.insurance.plan}, co-pay ${r.insurance.copayPercent}%)`, `- ${formatMoney(r.insurance.covered)}`);
  row('Amount paid', formatMoney(r.paid));
  row(`of which VAT ${r.vat.percent}%`, formatMoney(r.vat.amount));
  row('Net of VAT', formatMoney(r.vat.net));
  if (r.refunded) row('Refunded', formatMoney(r.refunded));
  doc.moveDown();
  row('Payment reference', r.paymentReference);
  row('Status', r.status);
  doc.end();
  return done;
}
