//! India's GST on the platform's services: the tax inside an amount paid
//! (CGST 9% + SGST 9% when the customer is in the platform's state, IGST 18%
//! across states), plan prices with GST added, and invoice numbers that run
//! per financial year (1 April to 31 March, Indian time).

use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// SAC for "other information technology services" (SaaS).
pub const SAC: &str = "997331";

/// GST on these services, in percent.
pub const GST_PERCENT: i64 = 18;

/// How an amount paid splits into its taxable value and GST, in paise; the
/// parts add up to the total exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TaxSplit {
    /// The value of the service.
    pub taxable: i64,
    /// Central GST (within the state).
    pub cgst: i64,
    /// State GST (within the state).
    pub sgst: i64,
    /// Integrated GST (across states).
    pub igst: i64,
    /// What was paid.
    pub total: i64,
}

impl TaxSplit {
    /// The GST inside `total` (tax-inclusive): the taxable value is
    /// `total × 100 / 118` rounded half up, the rest is tax, halved for
    /// CGST/SGST (SGST takes an odd paisa).
    pub fn inclusive(total: i64, within_state: bool) -> Self {
        let t = i128::from(total);
        let taxable = i64::try_from((t * 200 + i128::from(100 + GST_PERCENT)) / (2 * i128::from(100 + GST_PERCENT))).unwrap_or(total);
        let tax = total - taxable;
        if within_state {
            let cgst = tax / 2;
            Self { taxable, cgst, sgst: tax - cgst, igst: 0, total }
        } else {
            Self { taxable, cgst: 0, sgst: 0, igst: tax, total }
        }
    }
}

/// A plan's price with GST added (what Razorpay charges), in paise.
pub fn with_gst(price: i64) -> i64 {
    price + (price * GST_PERCENT + 50) / 100
}

/// The financial year holding `at` as `2026-27` (it starts on 1 April,
/// Indian Standard Time).
pub fn financial_year(at: DateTime<Utc>) -> String {
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).map_or(at.naive_utc(), |z| at.with_timezone(&z).naive_local());
    let start = if ist.month() >= 4 { ist.year() } else { ist.year() - 1 };
    format!("{start}-{:02}", (start + 1) % 100)
}

/// Invoice or credit-note number `seq` of a financial year: `WF2627-000001`
/// or `CN2627-000001` (at most 16 characters, as GST rules require).
pub fn number(credit_note: bool, financial_year: &str, seq: i64) -> String {
    let yy = financial_year.get(2..4).unwrap_or("00");
    let next = financial_year.get(5..7).unwrap_or("00");
    format!("{}{yy}{next}-{seq:06}", if credit_note { "CN" } else { "WF" })
}

/// The name of an Indian state or union territory by its GST state code.
pub fn state_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Jammu and Kashmir",
        "02" => "Himachal Pradesh",
        "03" => "Punjab",
        "04" => "Chandigarh",
        "05" => "Uttarakhand",
        "06" => "Haryana",
        "07" => "Delhi",
        "08" => "Rajasthan",
        "09" => "Uttar Pradesh",
        "10" => "Bihar",
        "11" => "Sikkim",
        "12" => "Arunachal Pradesh",
        "13" => "Nagaland",
        "14" => "Manipur",
        "15" => "Mizoram",
        "16" => "Tripura",
        "17" => "Meghalaya",
        "18" => "Assam",
        "19" => "West Bengal",
        "20" => "Jharkhand",
        "21" => "Odisha",
        "22" => "Chhattisgarh",
        "23" => "Madhya Pradesh",
        "24" => "Gujarat",
        "26" => "Dadra and Nagar Haveli and Daman and Diu",
        "27" => "Maharashtra",
        "29" => "Karnataka",
        "30" => "Goa",
        "31" => "Lakshadweep",
        "32" => "Kerala",
        "33" => "Tamil Nadu",
        "34" => "Puducherry",
        "35" => "Andaman and Nicobar Islands",
        "36" => "Telangana",
        "37" => "Andhra Pradesh",
        "38" => "Ladakh",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_plan_price_with_gst_splits_back_to_the_price() {
        for price in [99_900, 299_900, 799_900, 1, 7, 12_345] {
            let paid = with_gst(price);
            for within in [true, false] {
                let s = TaxSplit::inclusive(paid, within);
                assert_eq!(s.taxable + s.cgst + s.sgst + s.igst, paid);
                assert!((s.taxable - price).abs() <= 1, "{price}: {s:?}");
            }
        }
        assert_eq!(with_gst(99_900), 117_882);
        assert_eq!(TaxSplit::inclusive(117_882, true), TaxSplit { taxable: 99_900, cgst: 8_991, sgst: 8_991, igst: 0, total: 117_882 });
        assert_eq!(TaxSplit::inclusive(117_882, false), TaxSplit { taxable: 99_900, cgst: 0, sgst: 0, igst: 17_982, total: 117_882 });
        // An odd paisa of tax goes to SGST.
        let s = TaxSplit::inclusive(119, true);
        assert_eq!((s.taxable, s.cgst, s.sgst), (101, 9, 9));
        let s = TaxSplit::inclusive(120, true);
        assert_eq!((s.taxable, s.cgst + s.sgst, s.sgst - s.cgst), (102, 18, 0));
    }

    #[test]
    fn financial_years_turn_on_the_first_of_april_in_india() {
        // 31 March 23:59 IST is still the old year; 1 April 00:00 IST the new one.
        let before = Utc.with_ymd_and_hms(2027, 3, 31, 18, 29, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2027, 3, 31, 18, 30, 0).unwrap();
        assert_eq!(financial_year(before), "2026-27");
        assert_eq!(financial_year(after), "2027-28");
        assert_eq!(number(false, "2026-27", 1), "WF2627-000001");
        assert_eq!(number(true, "2099-00", 1_234_567), "CN9900-1234567");
        assert!(number(false, "2026-27", 99_999_999).len() <= 16);
    }
}
