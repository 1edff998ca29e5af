import type { Diagnostic, Location, Transaction } from '../model';
import { type UnitList, unknownUnitsOf } from '../unit-places';

/**
 * X12 data element 355 (unit or basis for measurement code): the codes a receiver's translator accepts
 * in PO103, IT103, SN103, PO403, SDQ01, CTP05, SAC09, TD108 and the other places a unit goes. Data, from
 * the published element dictionaries as EdiFabric's X12 templates list them (vgavril0v/ediexamples:
 * X124050/EF_X12_004050_Codes.cs and X125010/EF_X12_005010_Codes.cs). No public 004010 dictionary was
 * at hand: 004010 is checked against the 004050 list (811 codes), which the later releases only grew;
 * 005010 adds 33 (H3 H5 H6 H7 H8 H9 J1 J3 J4 J5 J6 J7 J8 J9 L1 Z7 Z9 ZF ZG ZH ZI ZJ ZK ZL ZM ZN ZO ZQ ZR ZS ZW ZX ZY).
 * 004010's own list has 794 codes (published 00401 schemas count them; 00403 has 803): a 004010 set may
 * carry one of the 17 codes 004020-004050 added (1T and 2D are two) without an AK4 7, and no 004010 code
 * is refused, since 355 only grows (004050 to 005010 removed none). A list of its own would catch those
 * 17 rare codes; without the full 004010 dictionary it would be a guess, so 004010 keeps 004050's.
 */

const list = (codes: string): ReadonlySet<string> => new Set(codes.trim().split(/\s+/));

const x12_004050 = list(`
  01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 1G 1H 1I 1J 1K 1L 1M 1N
  1O 1P 1Q 1R 1T 1X 20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2F 2G 2H 2I 2J 2K 2L 2M 2N 2P 2Q 2R 2U
  2V 2W 2X 2Y 2Z 30 31 32 33 34 35 36 37 38 39 3B 3C 3E 3F 3G 3H 3I 40 41 43 44 45 46 47 48 4A 4B 4C
  4D 4E 4F 4G 4I 4J 4K 4L 4M 4N 4O 4P 4Q 4R 4S 4T 4U 4V 4W 4X 50 51 52 53 54 56 57 58 59 5A 5B 5C 5D
  5E 5F 5G 5H 5I 5J 5K 5P 5Q 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 76 77 78 79 80 81 82 83 84
  85 86 87 89 8C 8D 8P 8R 8S 8U 90 91 92 93 94 95 96 97 98 99 A8 AA AB AC AD AE AF AG AH AI AJ AK AL
  AM AN AO AP AQ AR AS AT AU AV AW AX AY AZ B0 B1 B2 B3 B4 B5 B6 B7 B8 B9 BA BB BC BD BE BF BG BH BI
  BJ BK BL BM BN BO BP BQ BR BS BT BU BV BW BX BY BZ C0 C1 C2 C3 C4 C5 C6 C7 C8 C9 CA CB CC CD CE CF
  CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ D1 D2 D3 D5 D8 D9 DA DB DC DD DE DF DG
  DH DI DJ DK DL DM DN DO DP DQ DR DS DT DU DW DX DY DZ E1 E3 E4 E5 E7 E8 E9 EA EB EC ED EE EF EG EH
  EJ EM EP EQ EV EX EY EZ F1 F2 F3 F4 F5 F6 F9 FA FB FD FE FF FG FH FJ FK FL FM FO FP FR FS FT FZ G2
  G3 G4 G5 G6 G7 G8 G9 GA GB GC GD GE GF GG GH GI GJ GK GL GM GN GO GP GQ GR GS GT GU GV GW GX GY GZ
  H1 H2 H4 HA HB HC HD HE HF HG HH HI HJ HK HL HM HN HO HP HQ HR HS HT HU HV HW HY HZ IA IB IC IE IF
  IG IH II IK IL IM IN IP IS IT IU IV IW J2 JA JB JC JE JG JK JL JM JN JO JP JR JS JT JU JV JX K1 K2
  K3 K4 K5 K6 K7 K9 KA KB KC KD KE KF KG KH KI KJ KK KL KM KO KP KQ KR KT KU KV KW KX L2 LA LB LC LE
  LF LG LH LI LJ LK LL LM LN LO LP LQ LR LS LT LX LY M0 M1 M2 M3 M4 M5 M6 M7 M8 M9 MA MB MC MD ME MF
  MG MH MI MJ MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ N1 N2 N3 N4 N6 N7 N9 NA NB NC ND NE NF
  NG NH NI NJ NK NL NM NN NQ NR NS NT NU NV NW NX NY OA OC ON OP OT OZ P0 P1 P2 P3 P4 P5 P6 P7 P8 P9
  PA PB PC PD PE PF PG PH PI PJ PK PL PM PN PO PP PQ PR PS PT PU PV PW PX PY PZ Q1 Q2 Q3 Q4 Q5 Q6 Q7
  QA QB QC QD QE QH QK QR QS QT QU R1 R2 R3 R4 R5 R6 R7 R8 R9 RA RB RC RD RE RG RH RK RL RM RN RO RP
  RS RT RU S1 S2 S3 S4 S5 S6 S7 S8 S9 SA SB SC SD SE SF SG SH SI SJ SK SL SM SN SO SP SQ SR SS ST SV
  SW SX SY SZ T0 T1 T2 T3 T4 T5 T6 T7 T8 T9 TA TB TC TD TE TF TG TH TI TJ TK TL TM TN TO TP TQ TR TS
  TT TU TV TW TX TY TZ U1 U2 U3 U5 UA UB UC UD UE UF UH UL UM UN UP UQ UR US UT UU UV UW UX UY UZ V1
  V2 VA VC VI VP VR VS W2 WA WB WD WE WG WH WI WK WM WP WR WW X1 X2 X3 X4 X5 X6 X7 X8 X9 XP Y1 Y2 Y3
  Y4 YD YL YR YT Z1 Z2 Z3 Z4 Z5 Z6 Z8 ZA ZB ZC ZD ZE ZP ZZ
`);

/** 005010: the 004050 codes and those 005010 added. */
const x12_005010 = new Set([
  ...x12_004050,
  ...list('H3 H5 H6 H7 H8 H9 J1 J3 J4 J5 J6 J7 J8 J9 L1 Z7 Z9 ZF ZG ZH ZI ZJ ZK ZL ZM ZN ZO ZQ ZR ZS ZW ZX ZY'),
]);

/** The 355 codes of an X12 version (GS08 / ST03 '004010', '005010X222A1'...); 004xxx and earlier use the 004050 list. */
export function x12UnitCodes(version: string): ReadonlySet<string> {
  return version.slice(0, 6) >= '005010' ? x12_005010 : x12_004050;
}

/**
 * Where a 355 unit sits in the segments the gateway writes (element, and component for a composite
 * C001): the places a canonical unit reaches. A mapper's own segments elsewhere are not looked at.
 */
export const x12UnitPositions: Readonly<Record<string, ReadonlyArray<readonly [element: number, component?: number]>>> =
  {
    PO1: [[3]],
    IT1: [[3]],
    SN1: [[3], [6]],
    PO4: [[3], [7], [9], [13]],
    ACK: [[3]],
    SDQ: [[1]],
    CTP: [[5, 1]],
    SAC: [[9]],
    TD1: [[8], [10]],
    SCH: [[2]],
    CTT: [[4], [6]],
    QTY: [[3, 1]],
    MEA: [[4, 1]],
    IT3: [[2]],
  };

// Looked up once per segment of every X12 set, mostly for tags that hold no unit: a Map answers a miss
// without the keyed lookup on a plain object (which then walks its prototype).
const unitPlaces = new Map(Object.entries(x12UnitPositions));

function listOf(version: string): UnitList {
  const codes = x12UnitCodes(version);
  return {
    places: unitPlaces,
    known: (value) => codes.has(value),
    finding: (at, value) => {
      const name = `${at.segment}${String(at.element).padStart(2, '0')}${at.component ? `-${at.component}` : ''}`;
      return {
        code: '7',
        message: `${name} ${JSON.stringify(value)} is no X12 ${version} unit code (355)`,
        elementRef: '355',
      };
    },
  };
}

/**
 * X12 355 units that are not in the version's code list, in a set read or written. The profiles leave
 * 355 open (it is long and grows with each release), so a Rec 20 unit with no X12 counterpart (`XY`)
 * would pass a two-character check: every place a unit goes is read against the list itself, in what
 * partners send (AK4 7, as a translator that knows the list answers) as in what we generate. A place
 * already found at fault (`found`: a four-character `GBND` is too long) is not reported twice.
 */
export function unknownUnits(tx: Transaction, location: Location, found: readonly Diagnostic[]): Diagnostic[] {
  // Each release adds units: a set of a version later than the newest list here (005020, 006020...)
  // may rightly use one this list has not, so only versions the lists cover are read against them.
  if (tx.version.slice(0, 6) > '005010') return [];
  return unknownUnitsOf(tx, location, found, listOf(tx.version));
}
