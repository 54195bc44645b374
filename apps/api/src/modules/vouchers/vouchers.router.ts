import {
  checkVoucherInputSchema,
  createVouchersInputSchema,
  listVouchersInputSchema,
  updateVoucherInputSchema,
  voucherCheckSchema,
  voucherIdInputSchema,
  voucherPageSchema,
  voucherSchema,
  vouchersSchema,
} from '@evently/contracts';
import { personOrKeyProcedure, publicProcedure, router } from '../../trpc/procedures.js';

export const vouchersRouter = router({
  create: personOrKeyProcedure
    .input(createVouchersInputSchema)
    .output(vouchersSchema)
    .mutation(({ ctx, input }) => ctx.services.vouchers.create(ctx.principal, input)),
  list: personOrKeyProcedure
    .input(listVouchersInputSchema)
    .output(voucherPageSchema)
    .query(({ ctx, input }) => ctx.services.vouchers.list(ctx.principal, input)),
  update: personOrKeyProcedure
    .input(updateVoucherInputSchema)
    .output(voucherSchema)
    .mutation(({ ctx, input }) => ctx.services.vouchers.update(ctx.principal, input)),
  disable: personOrKeyProcedure
    .input(voucherIdInputSchema)
    .output(voucherSchema)
    .mutation(({ ctx, input }) => ctx.services.vouchers.disable(ctx.principal, input.id)),
  // A mutation, not a query: the code travels in the body, never in a URL (proxies' and
  // browsers' logs, Referer), no HTTP cache keeps the answer, and each call spends a budget.
  check: publicProcedure
    .input(checkVoucherInputSchema)
    .output(voucherCheckSchema)
    .mutation(({ ctx, input }) => ctx.services.vouchers.check(input, ctx.ip)),
});
