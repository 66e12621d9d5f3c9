/** The workflows this worker runs (workflow type = exported name). */
export { downloadEinvoices } from './einvoice';
export { downloadImsInvoices } from './ims';
export { downloadGstr2b } from './gstr2b';
export { getIrnDetails } from './irn';
export { syncReturnPeriod } from './sync';
export { gstnSession } from './gstn-session';
