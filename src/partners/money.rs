//! How a partner's client payment splits between the partner and the
//! platform, and how a refund takes its shares back: integers in paise, the
//! two parts always adding up to the amount paid, the partner earning on
//! the value before GST (the GST is the platform's, which owes it), rounding
//! half up on the partner's part (the platform's is the remainder).

use super::RevenueModel;

/// A partner's terms, as the operator set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// Its revenue model.
    pub model: RevenueModel,
    /// Revenue share (hybrid: of what the fee leaves), in basis points.
    pub revenue_share_bps: i32,
    /// Hybrid: the platform's fee per payment, in paise.
    pub platform_fee_minor: i64,
}

/// One payment's (or refund's) parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The partner's paise.
    pub partner: i64,
    /// The platform's paise.
    pub platform: i64,
}

/// `value · num / den`, rounded half up (non-negative inputs, den > 0).
fn scaled(value: i64, num: i64, den: i64) -> i64 {
    if den <= 0 {
        return 0;
    }
    let n = i128::from(value) * i128::from(num);
    let d = i128::from(den);
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

/// Splits a captured payment of `gross` paise whose value before GST is
/// `base` (the invoice's taxable value): the partner earns on `base` only,
/// since the GST is the platform's (it is the supplier and owes it), and the
/// platform's part is the rest, GST included. `wholesale` is the platform's
/// own price before GST for what was bought: a markup partner keeps the
/// difference; a payment with no platform price (not a plan) earns a markup
/// partner nothing.
pub fn split(terms: Terms, gross: i64, base: i64, wholesale: Option<i64>) -> Split {
    let gross = gross.max(0);
    let base = base.clamp(0, gross);
    let bps = i64::from(terms.revenue_share_bps.clamp(0, 10_000));
    let partner = match terms.model {
        RevenueModel::Markup => wholesale.map_or(0, |w| (base - w.max(0)).clamp(0, base)),
        RevenueModel::RevenueShare => scaled(base, bps, 10_000),
        RevenueModel::Hybrid => {
            let rest = base - terms.platform_fee_minor.clamp(0, base);
            scaled(rest, bps, 10_000)
        }
    };
    Split { partner, platform: gross - partner }
}

/// What a refund of `refund` paise takes back from a payment of `gross`
/// whose share was `share`, after `refunded_before` paise were refunded:
/// each part in proportion, as negative amounts. Cumulative, so refunds in
/// parts take back exactly what one full refund would.
pub fn reversal(share: Split, gross: i64, refunded_before: i64, refund: i64) -> Split {
    let before = refunded_before.clamp(0, gross);
    let after = (before + refund.max(0)).min(gross);
    let partner = scaled(share.partner, after, gross) - scaled(share.partner, before, gross);
    let total = after - before;
    Split { partner: -partner, platform: -(total - partner) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARE: Terms = Terms { model: RevenueModel::RevenueShare, revenue_share_bps: 6000, platform_fee_minor: 0 };

    #[test]
    fn a_revenue_share_of_2999_rupees_is_1799_40_and_the_rest_with_gst_the_platforms() {
        // ₹2,999 + 18% GST = ₹3,538.82: the partner gets 60% of ₹2,999.
        assert_eq!(split(SHARE, 353_882, 299_900, None), Split { partner: 179_940, platform: 173_942 });
        // Without GST the two parts are 60/40 of the payment.
        assert_eq!(split(SHARE, 299_900, 299_900, None), Split { partner: 179_940, platform: 119_960 });
    }

    #[test]
    fn shares_round_half_up_and_always_add_up() {
        let third = Terms { revenue_share_bps: 3333, ..SHARE };
        for gross in [0, 1, 2, 3, 99, 100, 101, 12_345, 299_900, 353_882, 9_999_999] {
            let base = gross * 100 / 118;
            for t in [SHARE, third, Terms { model: RevenueModel::Hybrid, revenue_share_bps: 7000, platform_fee_minor: 50_000 }] {
                let s = split(t, gross, base, None);
                assert_eq!(s.partner + s.platform, gross, "{t:?} of {gross}");
                assert!(s.partner >= 0 && s.platform >= 0);
            }
        }
        // 60% of 3 paise is 1.8: the partner gets 2.
        assert_eq!(split(SHARE, 3, 3, None).partner, 2);
    }

    #[test]
    fn markup_keeps_retail_over_wholesale_before_gst() {
        let markup = Terms { model: RevenueModel::Markup, revenue_share_bps: 0, platform_fee_minor: 0 };
        // Retail ₹3,999 over wholesale ₹2,999, paid with GST (₹4,718.82).
        assert_eq!(split(markup, 471_882, 399_900, Some(299_900)), Split { partner: 100_000, platform: 371_882 });
        // Sold below wholesale (a price changed meanwhile): the partner gets nothing, never less.
        assert_eq!(split(markup, 100_000, 84_746, Some(299_900)), Split { partner: 0, platform: 100_000 });
        // Not a plan (no platform price): all the platform's.
        assert_eq!(split(markup, 50_000, 42_373, None), Split { partner: 0, platform: 50_000 });
    }

    #[test]
    fn hybrid_takes_the_fee_then_shares_the_rest() {
        let hybrid = Terms { model: RevenueModel::Hybrid, revenue_share_bps: 8000, platform_fee_minor: 50_000 };
        // ₹2,999 before GST: ₹500 fee, then 80% of ₹2,499 = ₹1,999.20 to the partner.
        assert_eq!(split(hybrid, 353_882, 299_900, None), Split { partner: 199_920, platform: 153_962 });
        // A payment smaller than the fee is all the platform's.
        assert_eq!(split(hybrid, 47_200, 40_000, None), Split { partner: 0, platform: 47_200 });
    }

    #[test]
    fn refunds_take_back_in_proportion_and_parts_add_up_to_the_whole() {
        let share = split(SHARE, 353_882, 299_900, None);
        // A full refund takes back everything.
        assert_eq!(reversal(share, 353_882, 0, 353_882), Split { partner: -179_940, platform: -173_942 });
        // A part, then the rest: the same in total, each adding up to its refund.
        let a = reversal(share, 353_882, 0, 117_994);
        let b = reversal(share, 353_882, 117_994, 353_882 - 117_994);
        assert_eq!(a.partner + a.platform, -117_994);
        assert_eq!(a.partner + b.partner, -179_940);
        assert_eq!(a.platform + b.platform, -173_942);
        // Odd parts: three refunds of 1 paisa each of a 3-paise payment.
        let tiny = split(SHARE, 3, 3, None);
        let parts = [reversal(tiny, 3, 0, 1), reversal(tiny, 3, 1, 1), reversal(tiny, 3, 2, 1)];
        assert_eq!(parts.iter().map(|p| p.partner).sum::<i64>(), -tiny.partner);
        assert_eq!(parts.iter().map(|p| p.platform).sum::<i64>(), -tiny.platform);
        // A refund beyond the payment takes back no more than it.
        assert_eq!(reversal(share, 353_882, 353_882, 10), Split { partner: 0, platform: 0 });
    }
}
