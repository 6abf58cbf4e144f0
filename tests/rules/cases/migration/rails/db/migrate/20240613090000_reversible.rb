class Reversible < ActiveRecord::Migration[7.1]
  def change
    add_check_constraint :orders, "total_cents >= 0", name: "orders_total_positive", validate: false
    reversible do |dir|
      dir.up do
        execute "UPDATE orders SET channel = 'web' WHERE channel IS NULL"
      end
      dir.down { execute "ALTER TABLE orders DROP COLUMN channel" }
    end
  end
end
