class ChangeOrders < ActiveRecord::Migration[7.1]
  def change
    remove_column :orders, :legacy_status
    rename_column :orders, :amount, :total_cents
    add_column :orders, :currency, :string, null: false
    change_column :orders, :total_cents, :bigint
    add_index :orders, :placed_at
    add_foreign_key :orders, :coupons
    change_column_null :orders, :customer_id, false
    add_column :orders, :public_id, :uuid, default: -> { "gen_random_uuid()" }
    add_reference :orders, :shop, foreign_key: true
    add_index :orders, :status, algorithm: :concurrently

    # safer forms (remove_column with its type is reversible, but still a drop)
    add_column :orders, :channel, :string, null: false, default: "web"
    remove_column :orders, :gift_note, :text
    add_foreign_key :orders, :customers, validate: false
    create_table :refunds do |t|
      t.references :order, null: false, foreign_key: true
      t.string :reason, null: false
      t.timestamps
    end
    add_index :refunds, :reason
  end
end
