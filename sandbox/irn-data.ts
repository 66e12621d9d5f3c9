/** Get IRN Details: one e-invoice per IRN, generated from the IRN itself (the seed IRN answers the seed). */
import { okEnvelope } from '../eas/contract';
import { addAmounts, amounts, hexOf, makeGstin, otherState, pad2, STATE_CODES, tradeName } from './data';
import { rngFor, type Rng } from './rng';
import { SEEDS } from './seeds';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWS-looking string (header.payload.signature) as NIC signs e-invoices; the signature is filler. */
function signed(r: Rng, data: unknown): string {
  const head = { alg: 'RS256', kid: 'SANDBOX', typ: 'JWT' };
  return `${b64(head)}.${b64({ data: JSON.stringify(data), iss: 'NIC' })}.${Buffer.from(hexOf(r, 128), 'hex').toString('base64url')}`;
}

export function irnBody(seed: number, irn: string): Buffer {
  if (irn.toLowerCase() === SEEDS.irn.irn) return Buffer.from(JSON.stringify(SEEDS.irn.body));
  const r = rngFor(seed, 'irn', irn.toLowerCase());
  const sellerState = r.pick(STATE_CODES);
  const inter = r.chance(0.4);
  const buyerState = inter ? otherState(r, sellerState) : sellerState;
  const seller = makeGstin(r, sellerState);
  const buyer = makeGstin(r, buyerState);
  const year = r.int(2023, 2025);
  const month = r.int(1, 12);
  const day = r.int(1, 28);
  const date = `${pad2(day)}/${pad2(month)}/${year}`;
  const ackDt = `${year}-${pad2(month)}-${pad2(day)} ${pad2(r.int(8, 20))}:${pad2(r.int(0, 59))}:00`;
  const docNo = `INV/${year}/${r.int(1, 99999)}`;
  const items = Array.from({ length: r.int(1, 4) }, (_, i) => {
    const a = amounts(r, inter);
    return {
      SlNo: String(i + 1), IsServc: 'N', PrdDesc: 'Goods', HsnCd: String(r.int(1001, 9999)), Qty: 1, Unit: 'NOS',
      UnitPrice: a.txval, TotAmt: a.txval, AssAmt: a.txval, GstRt: a.rt, IgstAmt: a.igst, CgstAmt: a.cgst, SgstAmt: a.sgst,
      CesAmt: a.cess, TotItemVal: a.val, txval: a.txval, igst: a.igst, cgst: a.cgst, sgst: a.sgst, cess: a.cess,
    };
  });
  const t = addAmounts(items);
  const tot = Math.round((t.txval + t.igst + t.cgst + t.sgst + t.cess) * 100) / 100;
  const ackNo = Number(`${String(year).slice(2)}${r.int(1, 9)}${String(r.int(0, 999_999_999_999)).padStart(12, '0')}`);
  const invoice = {
    AckNo: ackNo, AckDt: ackDt, Irn: irn, Version: '1.1',
    TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', IgstOnIntra: 'N' },
    DocDtls: { Typ: 'INV', No: docNo, Dt: date },
    SellerDtls: { Gstin: seller, LglNm: tradeName(r), Stcd: sellerState },
    BuyerDtls: { Gstin: buyer, LglNm: tradeName(r), Pos: buyerState, Stcd: buyerState },
    ItemList: items.map(({ txval: _t, igst: _i, cgst: _c, sgst: _s, cess: _e, ...item }) => item),
    ValDtls: { AssVal: t.txval, CgstVal: t.cgst, SgstVal: t.sgst, IgstVal: t.igst, CesVal: t.cess, RndOffAmt: 0, TotInvVal: tot },
  };
  const qr = { SellerGstin: seller, BuyerGstin: buyer, DocNo: docNo, DocTyp: 'INV', DocDt: date, TotInvVal: tot, ItemCnt: items.length, Irn: irn };
  const data = {
    data: {
      AckNo: ackNo, AckDt: ackDt, Irn: irn, SignedInvoice: signed(r, invoice), SignedQRCode: signed(r, qr),
      Status: 'ACT', EwbNo: null, EwbDt: null, EwbValidTill: null, Remarks: '',
    },
    RequestDate: ackDt,
  };
  return Buffer.from(JSON.stringify(okEnvelope(data)));
}
